// The foreground of `pier up`, after the supervisor applied the project: the logs of
// the attached services, "web-1 exited with code 0" as containers stop, and Ctrl-C
// (once: stop everything gracefully; twice: kill), as Docker Compose.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/control_client.h"
#include "base/result.h"
#include "state/paths.h"

namespace pier::app {

struct AttachOptions {
  bool abort_on_exit = false;     // --abort-on-container-exit (implied by --exit-code-from)
  bool abort_on_failure = false;  // --abort-on-container-failure
  std::string exit_code_from;     // the service whose exit code `up` returns
  std::optional<int> timeout;     // -t for the stop that ends it
  // What Ctrl-C and an abort stop: the services `up` was asked for (all the project's
  // when none). As Compose, `up app` leaves app's dependencies and orphans running.
  std::vector<std::string> services;
  bool timestamps = false, no_log_prefix = false, no_color = false;
};

// From here on, Ctrl-C is remembered rather than fatal, and acted on once the
// foreground runs: call before asking the supervisor to apply the project.
void catch_early_interrupts();

// The supervisor's container events, subscribed to (starting the supervisor if none
// runs) before `up` asks it to start anything, as Compose attaches first: a container
// that exits at once and restarts would otherwise exit before anyone listened.
Result<ControlClient> subscribe_to_events(const state::ProjectPaths& paths);

// Prints the logs of the `attached` services' containers from `since` (unix ns) until
// they have all exited or the user interrupts; returns the command's exit code.
// `events`: from subscribe_to_events, before the project was applied.
Result<int> attach_foreground(const AttachOptions& options, const state::ProjectPaths& paths,
                              const std::vector<std::string>& attached, int64_t since, ControlClient events);

}  // namespace pier::app
