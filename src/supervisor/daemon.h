// The supervisor as a process: `pier __supervise` runs one per project, detached from
// the terminal (new session, output to supervisor.log), holding the project lock.
// The CLI finds it through the control socket and starts it when there is none.
#pragma once

#include <string>

#include "base/result.h"
#include "state/paths.h"
#include "supervisor/control/client.h"

namespace pier::supervisor {

// Runs the supervisor of `paths.project` until it has nothing left to supervise.
// Returns the process exit code. Another live supervisor of the project: exits 0.
int run_supervisor(const state::ProjectPaths& paths);

// Connects to the project's supervisor, starting one (this binary, from a sealed copy:
// runtime/security/sealed_exe.h; with `--root`) first when none answers.
Result<control::Client> connect_or_start(const state::ProjectPaths& paths);

// Connects only if a supervisor is running (no error, nullopt otherwise).
std::optional<control::Client> connect_if_running(const state::ProjectPaths& paths);

}  // namespace pier::supervisor
