#include "supervisor/restart_policy.h"

#include <algorithm>

namespace pier::supervisor {

bool should_restart(const plan::RestartSpec& policy, int exit_code, bool stopped_by_user, int restarts_so_far) {
  if (stopped_by_user) return false;
  switch (policy.kind) {
    case plan::RestartKind::no: return false;
    case plan::RestartKind::always:
    case plan::RestartKind::unless_stopped: return true;
    case plan::RestartKind::on_failure:
      if (exit_code == 0) return false;
      return !policy.max_retries || *policy.max_retries <= 0 || restarts_so_far < *policy.max_retries;
  }
  return false;
}

std::chrono::milliseconds RestartBackoff::next(std::chrono::milliseconds last_run) {
  if (last_run >= kStableRun) delay_ = kInitial;
  auto now = delay_;
  delay_ = std::min(delay_ * 2, kMax);
  return now;
}

}  // namespace pier::supervisor
