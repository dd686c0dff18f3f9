// Bringing a container down or holding it: stop (stop signal, then SIGKILL after the
// grace period), signals, pause and unpause, and removal with its cgroup, scratch
// directory, logs and record. The start, exit and health paths are in container.cpp.
#include <signal.h>

#include "supervisor/container.h"

namespace pier::supervisor {

void ManagedContainer::stop(std::optional<std::chrono::milliseconds> grace, Done done, Hooks hooks) {
  if (pre_stopping_) {
    // The hooks of an earlier stop are running: this one goes on after them.
    pre_stopping_->emplace_back(grace, std::move(done));
    return;
  }
  if (hooks == Hooks::run) pre_stop_failure_.reset();
  auto wait = grace.value_or(plan_.stop_grace);
  // Only a container that runs can exec them: a paused one cannot run a process (a
  // frozen cgroup), a starting one not yet. A stop that may not wait (`-t 0`) has no
  // time for them.
  if (hooks == Hooks::run && !plan_.pre_stop.empty() && lifecycle_ == Lifecycle::running && runtime_ &&
      wait.count() > 0) {
    pre_stopping_.emplace();
    pre_stopping_->emplace_back(grace, std::move(done));
    // Stopped by the user from now on: a hook that ends the main process (`nginx -s
    // quit`) must not bring a restart.
    record_.stopped_by_user = true;
    (void)save();
    run_hooks("pre_stop", wait, [this, alive = alive_](Status st) {
      if (!*alive) return;
      // The container exiting under its hook (which dies with it) is what a stop wants.
      if (!st && runtime_) pre_stop_failure_ = st.error().to_string();
      auto waiting = std::move(*pre_stopping_);
      pre_stopping_.reset();
      for (auto& [g, d] : waiting) stop(g, std::move(d));
    });
    return;
  }
  if (restart_pending()) {
    restart_timer_.reset();
    record_.stopped_by_user = true;
    return done(move_to(Lifecycle::exited));
  }
  if (!runtime_) {
    if (starting()) {
      // Spawning: stop once it is up.
      stop_waiters_.push_back([this, grace, done](Status) { stop(grace, done); });
      return;
    }
    return done({});
  }
  stop_waiters_.push_back(std::move(done));
  if (lifecycle_ == Lifecycle::stopping) return;
  enter(Lifecycle::stopping);
  record_.stopped_by_user = true;
  (void)save();
  // The record still says paused while it stops: a frozen process cannot take the signal.
  if (record_.state == state::ContainerState::paused) (void)host_.driver().resume(*runtime_);
  killed_after_grace_.reset();
  if (wait.count() > 0) (void)host_.driver().kill(*runtime_, plan_.stop_signal);
  kill_timer_ = host_.loop().create_timer([this, wait] {
    if (!runtime_) return;
    if (wait.count() > 0) killed_after_grace_ = wait;
    (void)host_.driver().kill(*runtime_, SIGKILL);
  });
  kill_timer_->start(std::chrono::duration_cast<event::Duration>(wait));
}

Status ManagedContainer::signal(int signum) {
  if (!runtime_) return Error("container " + name() + " is not running");
  if (signum == SIGKILL || signum == SIGTERM || signum == SIGINT) record_.stopped_by_user = true;
  return host_.driver().kill(*runtime_, signum);
}

Status ManagedContainer::pause() {
  if (!runtime_) return Error("container " + name() + " is not running");
  // As Docker: pausing twice is an error, not a second success.
  if (lifecycle_ == Lifecycle::paused) return Error("container " + name() + " is already paused");
  if (!can_pause(lifecycle_)) return check_move(name(), lifecycle_, Lifecycle::paused);
  PIER_CHECK(host_.driver().pause(*runtime_));
  return move_to(Lifecycle::paused);
}

Status ManagedContainer::unpause() {
  if (!runtime_ || !can_unpause(lifecycle_)) return Error("container " + name() + " is not paused");
  PIER_CHECK(host_.driver().resume(*runtime_));
  return move_to(Lifecycle::running);
}

void ManagedContainer::remove(Done done) {
  auto alive = alive_;
  // The stop's record write does not matter: the record goes with the container.
  stop(std::nullopt, [this, alive, done = std::move(done)](Status) mutable {
    if (!*alive) return done({});
    if (after_cgroup_removal_) {
      // Let the exit's own cgroup removal finish first.
      after_cgroup_removal_->push_back([this, done = std::move(done)]() mutable { remove(std::move(done)); });
      return;
    }
    restart_timer_.reset();
    enter(Lifecycle::removing);
    out_watch_.reset();
    err_watch_.reset();
    log_.reset();
    std::string container = name(), scratch = record_.scratch_dir;
    state::ProjectPaths paths = host_.paths();
    ContainerDriver* driver = &host_.driver();
    host_.workers().run<Status>(
        [driver, container, scratch, paths]() -> Status { return driver->remove(paths, container, scratch); },
        [this, alive, done = std::move(done)](Status st) {
          if (*alive) (void)host_.records().remove(name());
          done(std::move(st));
        });
  });
}

}  // namespace pier::supervisor
