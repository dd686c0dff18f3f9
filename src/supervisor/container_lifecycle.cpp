#include "supervisor/container_lifecycle.h"

#include <cstdlib>

namespace pier::supervisor {

const LifecycleRow& row_of(Lifecycle state) {
  for (const auto& row : kLifecycle)
    if (row.state == state) return row;
  std::abort();  // every enumerator has a row (checked by the lifecycle tests)
}

Status check_move(const std::string& container, Lifecycle from, Lifecycle to) {
  if (can_move(from, to)) return {};
  return Error("container " + container + ": cannot go from " + to_string(from) + " to " + to_string(to));
}

const char* to_string(ServiceStart state) {
  switch (state) {
    case ServiceStart::pending: return "pending";
    case ServiceStart::starting: return "starting";
    case ServiceStart::started: return "started";
  }
  return "";
}

Lifecycle lifecycle_of(state::ContainerState recorded) {
  using S = state::ContainerState;
  switch (recorded) {
    case S::created: return Lifecycle::created;
    case S::running: return Lifecycle::running;
    case S::paused: return Lifecycle::paused;
    case S::restarting: return Lifecycle::restarting;
    case S::exited:
    case S::dead:
    case S::removing: return Lifecycle::exited;
  }
  return Lifecycle::exited;
}

}  // namespace pier::supervisor
