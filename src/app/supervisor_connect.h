// The CLI's way to its project's supervisor: connect to the control socket, and start
// the supervisor (`pier __supervise`, supervisor/daemon.h) first when none answers.
#pragma once

#include <optional>

#include "app/control_client.h"
#include "base/result.h"
#include "state/paths.h"

namespace pier::app {

// Connects to the project's supervisor, starting one (this binary, from a sealed copy:
// runtime/security/sealed_exe.h; with `--root`) first when none answers. A supervisor
// of another pier build (one left running across an upgrade) is asked to exit, leaving
// the containers running, and the one started in its place adopts them.
Result<ControlClient> connect_or_start(const state::ProjectPaths& paths);

// Connects only if a supervisor is running (no error, nullopt otherwise).
std::optional<ControlClient> connect_if_running(const state::ProjectPaths& paths);

}  // namespace pier::app
