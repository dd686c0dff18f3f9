#include "supervisor/health_monitor.h"

namespace pier::supervisor {

const char* to_string(Health health) {
  switch (health) {
    case Health::starting: return "starting";
    case Health::healthy: return "healthy";
    case Health::unhealthy: return "unhealthy";
  }
  return "";
}

HealthMonitor::HealthMonitor(event::Loop& loop, plan::HealthSpec spec, Probe probe, OnChange on_change)
    : loop_(loop), spec_(std::move(spec)), probe_(std::move(probe)), on_change_(std::move(on_change)) {
  timer_ = loop_.create_timer([this] { run_probe(); });
}

// A probe still running when the monitor goes must not call back into it.
HealthMonitor::~HealthMonitor() { *alive_ = false; }

void HealthMonitor::start() {
  started_ = loop_.now();
  status_ = Health::starting;
  failures_ = 0;
  schedule();
}

void HealthMonitor::schedule() {
  bool in_start_period = loop_.now() < started_ + spec_.start_period;
  auto delay = in_start_period ? spec_.start_interval : spec_.interval;
  if (delay <= std::chrono::milliseconds::zero()) delay = std::chrono::milliseconds(1);
  timer_->start(std::chrono::duration_cast<event::Duration>(delay));
}

void HealthMonitor::run_probe() {
  if (probing_) return;
  probing_ = true;
  probe_([this, alive = alive_](bool passed) {
    if (!*alive) return;
    probing_ = false;
    on_result(passed);
  });
}

void HealthMonitor::on_result(bool passed) {
  if (passed) {
    failures_ = 0;
    set(Health::healthy);
  } else if (loop_.now() >= started_ + spec_.start_period) {
    if (++failures_ >= std::max(spec_.retries, 1)) set(Health::unhealthy);
  }
  schedule();
}

void HealthMonitor::set(Health health) {
  if (health == status_) return;
  status_ = health;
  if (on_change_) on_change_(health);
}

}  // namespace pier::supervisor
