// When a container that exited comes back, and after how long: Docker's rules.
// The delay starts at 100 ms and doubles with every restart up to a minute; a run
// of at least 10 s counts as stable and resets it.
#pragma once

#include <chrono>

#include "plan/plan.h"

namespace pier::supervisor {

// `stopped_by_user`: `stop`, `down`, Ctrl-C. Such exits never restart.
bool should_restart(const plan::RestartSpec& policy, int exit_code, bool stopped_by_user, int restarts_so_far);

class RestartBackoff {
 public:
  static constexpr std::chrono::milliseconds kInitial{100};
  static constexpr std::chrono::milliseconds kMax{60000};
  static constexpr std::chrono::milliseconds kStableRun{10000};

  // The delay before the next start, given how long the last run lasted.
  std::chrono::milliseconds next(std::chrono::milliseconds last_run);
  void reset() { delay_ = kInitial; }

 private:
  std::chrono::milliseconds delay_ = kInitial;
};

}  // namespace pier::supervisor
