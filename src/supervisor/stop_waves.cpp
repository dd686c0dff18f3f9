#include "supervisor/stop_waves.h"

#include <string.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "graph/from_project.h"
#include "supervisor/join.h"

namespace pier::supervisor {
namespace {

// "SIGTERM", as Docker names a stop signal.
std::string signal_name(int signum) {
  const char* abbrev = ::sigabbrev_np(signum);
  return abbrev ? std::string("SIG") + abbrev : std::to_string(signum);
}

}  // namespace

void stop_in_waves(const compose::Project* project, std::vector<ManagedContainer*> targets,
                   std::optional<std::chrono::milliseconds> grace, std::function<void(Status)> done, control::Reply reply,
                   const char* verb) {
  std::vector<std::vector<ManagedContainer*>> waves;
  std::set<ManagedContainer*> placed;
  if (project) {
    if (auto deps = graph::from_project(*project); deps.ok())
      if (auto stop_waves = deps->stop_waves(); stop_waves.ok()) {
        waves.emplace_back();  // orphans
        for (const auto& wave : *stop_waves) {
          waves.emplace_back();
          for (auto* c : targets)
            if (std::find(wave.begin(), wave.end(), c->service()) != wave.end()) {
              waves.back().push_back(c);
              placed.insert(c);
            }
        }
      }
  }
  if (waves.empty()) waves.emplace_back();
  for (auto* c : targets)
    if (!placed.count(c)) waves.front().push_back(c);
  auto shared_waves = std::make_shared<std::vector<std::vector<ManagedContainer*>>>(std::move(waves));
  auto step = std::make_shared<std::function<void(size_t)>>();
  auto first_error = std::make_shared<std::optional<Error>>();
  std::string verb_text = verb;
  *step = [shared_waves, step, first_error, grace, done, reply, verb_text](size_t index) {
    if (index >= shared_waves->size()) {
      done(*first_error ? Status(**first_error) : Status{});
      *step = nullptr;  // break the self-reference
      return;
    }
    auto& wave = (*shared_waves)[index];
    std::vector<ManagedContainer*> active;
    for (auto* c : wave)
      if (can_stop(c->lifecycle())) active.push_back(c);
    if (active.empty()) return (*step)(index + 1);
    auto join = std::make_shared<Join>();
    join->remaining = static_cast<int>(active.size());
    join->done = [step, first_error, index](Status st) {
      if (!st && !*first_error) *first_error = std::move(st).error();
      (*step)(index + 1);
    };
    for (auto* c : active) {
      reply.event({{"progress", "Container " + c->name()}, {"status", verb_text + "ing"}});
      c->stop(grace, [c, join, reply, name = c->name(), verb_text](Status st) {
        std::string past = verb_text == "Stopp" ? "Stopped" : verb_text + "ed";
        // What the stop waited for, so a slow `down` explains itself.
        if (auto waited = c->killed_after_grace())
          reply.event(control::to_json(control::Warning{fmt::format(
              "container {} did not exit within its {} s stop grace period and was killed: its main process "
              "ignores {} (a shell or a program without a handler, as PID 1, does); `init: true` runs an "
              "init that passes the signal on",
              name, std::chrono::duration<double>(*waited).count(), signal_name(c->plan().stop_signal))}));
        // The stop went on (a hook must not keep a container from stopping): said, not failed.
        if (const auto& failure = c->pre_stop_failure())
          reply.event(control::to_json(control::Warning{*failure + "; the container was stopped anyway"}));
        reply.event({{"progress", "Container " + name}, {"status", st ? past : "Error"}});
        join->finish_one(std::move(st));
      }, ManagedContainer::Hooks::run);
    }
  };
  (*step)(0);
}

}  // namespace pier::supervisor
