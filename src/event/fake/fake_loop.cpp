#include "event/fake/fake_loop.h"

#include <mutex>

namespace pier::event {

// Watches register here; a destroyed watch unregisters, so firing never reaches a
// dead object. Callbacks are held by shared_ptr so one may destroy its own watch.
struct FakeLoop::State {
  using Callback = std::shared_ptr<std::function<void(int)>>;
  struct TimerEntry {
    Clock::time_point due;
    Duration repeat;
    Callback cb;
  };
  Clock::time_point now{};
  uint64_t next_id = 1;
  std::map<uint64_t, TimerEntry> timers;  // active timers only
  std::map<uint64_t, std::pair<int, int>> fd_keys;  // id -> (fd, events)
  std::map<uint64_t, Callback> fd_callbacks;
  std::map<uint64_t, std::pair<int, Callback>> pidfds;
  std::map<uint64_t, std::pair<int, Callback>> signals;
  std::mutex mutex;
  std::vector<std::function<void()>> posted;
  std::vector<std::unique_ptr<DeferredDeletable>> deferred;
};

namespace {

class FakeTimer final : public Timer {
 public:
  FakeTimer(std::shared_ptr<FakeLoop::State> s, std::function<void()> cb)
      : state_(std::move(s)), id_(state_->next_id++),
        cb_(std::make_shared<std::function<void(int)>>([cb = std::move(cb)](int) { cb(); })) {}
  ~FakeTimer() override { stop(); }
  void start(Duration after, Duration repeat) override {
    state_->timers[id_] = {state_->now + after, repeat, cb_};
  }
  void stop() override { state_->timers.erase(id_); }
  bool active() const override { return state_->timers.count(id_) != 0; }

 private:
  std::shared_ptr<FakeLoop::State> state_;
  uint64_t id_;
  FakeLoop::State::Callback cb_;
};

class FakeFdWatch final : public FdWatch {
 public:
  FakeFdWatch(std::shared_ptr<FakeLoop::State> s, int fd, int events, std::function<void(int)> cb)
      : state_(std::move(s)), id_(state_->next_id++) {
    state_->fd_keys[id_] = {fd, events};
    state_->fd_callbacks[id_] = std::make_shared<std::function<void(int)>>(std::move(cb));
  }
  ~FakeFdWatch() override {
    state_->fd_keys.erase(id_);
    state_->fd_callbacks.erase(id_);
  }
  void set_events(int events) override { state_->fd_keys[id_].second = events; }

 private:
  std::shared_ptr<FakeLoop::State> state_;
  uint64_t id_;
};

// One class for pidfd and signal watches: an entry in a map, removed on destruction.
template <class Base>
class FakeKeyedWatch final : public Base {
 public:
  using Map = std::map<uint64_t, std::pair<int, FakeLoop::State::Callback>>;
  FakeKeyedWatch(std::shared_ptr<FakeLoop::State> s, Map& map, int key, std::function<void()> cb)
      : state_(std::move(s)), map_(map), id_(state_->next_id++) {
    map_[id_] = {key, std::make_shared<std::function<void(int)>>([cb = std::move(cb)](int) { cb(); })};
  }
  ~FakeKeyedWatch() override { map_.erase(id_); }

 private:
  std::shared_ptr<FakeLoop::State> state_;
  Map& map_;
  uint64_t id_;
};

// Fires every callback in `map` whose key matches; snapshot first so callbacks may
// add or remove watches.
void fire_keyed(std::map<uint64_t, std::pair<int, FakeLoop::State::Callback>>& map, int key,
                bool once) {
  std::vector<std::pair<uint64_t, FakeLoop::State::Callback>> hits;
  for (auto& [id, entry] : map)
    if (entry.first == key) hits.emplace_back(id, entry.second);
  for (auto& [id, cb] : hits) {
    if (once) map.erase(id);
    (*cb)(0);
  }
}

}  // namespace

FakeLoop::FakeLoop() : state_(std::make_shared<State>()) {}
FakeLoop::~FakeLoop() { run_pending(); }

std::unique_ptr<Timer> FakeLoop::create_timer(std::function<void()> cb) {
  return std::make_unique<FakeTimer>(state_, std::move(cb));
}
Result<std::unique_ptr<FdWatch>> FakeLoop::watch_fd(int fd, int events, std::function<void(int)> cb) {
  return std::unique_ptr<FdWatch>(std::make_unique<FakeFdWatch>(state_, fd, events, std::move(cb)));
}
Result<std::unique_ptr<PidfdWatch>> FakeLoop::watch_pidfd(int pidfd, std::function<void()> cb) {
  return std::unique_ptr<PidfdWatch>(
      std::make_unique<FakeKeyedWatch<PidfdWatch>>(state_, state_->pidfds, pidfd, std::move(cb)));
}
Result<std::unique_ptr<SignalWatch>> FakeLoop::watch_signal(int signum, std::function<void()> cb) {
  return std::unique_ptr<SignalWatch>(
      std::make_unique<FakeKeyedWatch<SignalWatch>>(state_, state_->signals, signum, std::move(cb)));
}
void FakeLoop::post(std::function<void()> fn) {
  std::lock_guard lock(state_->mutex);
  state_->posted.push_back(std::move(fn));
}
void FakeLoop::defer_delete(std::unique_ptr<DeferredDeletable> object) {
  state_->deferred.push_back(std::move(object));
}
Clock::time_point FakeLoop::now() const { return state_->now; }
void FakeLoop::run() { run_pending(); }
bool FakeLoop::run_until(const std::function<bool()>& done, Duration timeout) {
  auto deadline = state_->now + timeout;
  run_pending();
  while (!done() && state_->now < deadline) advance(Duration(1));
  return done();
}

void FakeLoop::advance(Duration by) {
  auto target = state_->now + by;
  for (;;) {
    // The earliest due timer, ties broken by creation order (map order).
    auto next = state_->timers.end();
    for (auto it = state_->timers.begin(); it != state_->timers.end(); ++it)
      if (it->second.due <= target && (next == state_->timers.end() || it->second.due < next->second.due))
        next = it;
    if (next == state_->timers.end()) break;
    state_->now = next->second.due;
    auto cb = next->second.cb;
    if (next->second.repeat > Duration::zero())
      next->second.due += next->second.repeat;
    else
      state_->timers.erase(next);
    (*cb)(0);
    run_pending();
  }
  state_->now = target;
  run_pending();
}

void FakeLoop::make_ready(int fd, int events) {
  std::vector<State::Callback> hits;
  for (auto& [id, key] : state_->fd_keys)
    if (key.first == fd && (key.second & events)) hits.push_back(state_->fd_callbacks[id]);
  for (auto& cb : hits) (*cb)(events);
  run_pending();
}
void FakeLoop::exit_process(int pidfd) {
  fire_keyed(state_->pidfds, pidfd, true);
  run_pending();
}
void FakeLoop::raise(int signum) {
  fire_keyed(state_->signals, signum, false);
  run_pending();
}
void FakeLoop::run_pending() {
  for (;;) {
    std::vector<std::function<void()>> batch;
    {
      std::lock_guard lock(state_->mutex);
      batch.swap(state_->posted);
    }
    auto dead = std::move(state_->deferred);
    state_->deferred.clear();
    if (batch.empty() && dead.empty()) return;
    for (auto& fn : batch) fn();
    dead.clear();
  }
}
size_t FakeLoop::timer_count() const { return state_->timers.size(); }
size_t FakeLoop::deferred_count() const { return state_->deferred.size(); }

}  // namespace pier::event
