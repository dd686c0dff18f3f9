// A container's health check, as Docker runs it: probes every start_interval during
// the start period (where failures do not count), then every interval; `retries`
// failures in a row make it unhealthy, one success healthy. The probe itself (an exec
// in the container with a timeout) is supplied by the caller, so this runs unchanged
// on the fake loop in tests.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "event/loop.h"
#include "plan/plan.h"

namespace pier::supervisor {

enum class Health { starting, healthy, unhealthy };
const char* to_string(Health health);

class HealthMonitor {
 public:
  // Runs one probe; calls `done(passed)` exactly once (a timeout is a failure).
  using Probe = std::function<void(std::function<void(bool passed)> done)>;
  using OnChange = std::function<void(Health)>;

  HealthMonitor(event::Loop& loop, plan::HealthSpec spec, Probe probe, OnChange on_change);
  ~HealthMonitor();
  void start();  // status starting; first probe after start_interval / interval
  Health status() const { return status_; }
  int failing_streak() const { return failures_; }

 private:
  void schedule();
  void run_probe();
  void on_result(bool passed);
  void set(Health health);

  event::Loop& loop_;
  plan::HealthSpec spec_;
  Probe probe_;
  OnChange on_change_;
  std::unique_ptr<event::Timer> timer_;
  event::Clock::time_point started_{};
  Health status_ = Health::starting;
  int failures_ = 0;
  bool probing_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace pier::supervisor
