#include "net/rootless/host_side.h"

#include <atomic>

namespace pier::net::rootless {

std::unique_ptr<HostSide> HostSide::start() { return std::unique_ptr<HostSide>(new HostSide()); }

HostSide::HostSide() : thread_([this] { serve(); }) {}

HostSide::~HostSide() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void HostSide::serve() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return stopping_ || job_ != nullptr; });
    if (job_ == nullptr) return;  // stopping, nothing queued
    const auto* job = job_;
    lock.unlock();
    Status result = (*job)();
    lock.lock();
    result_ = std::move(result);
    job_ = nullptr;
    done_ = true;
    changed_.notify_all();
  }
}

Status HostSide::run(const std::function<Status()>& fn) {
  std::lock_guard turn(callers_);
  std::unique_lock lock(mutex_);
  job_ = &fn;
  done_ = false;
  changed_.notify_all();
  changed_.wait(lock, [this] { return done_; });
  return std::move(result_);
}

namespace {
std::atomic<HostSide*> published_side{nullptr};
}  // namespace

void set_published_ports_side(HostSide* side) { published_side.store(side); }
HostSide* published_ports_side() { return published_side.load(); }

}  // namespace pier::net::rootless
