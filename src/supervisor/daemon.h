// The supervisor as a process: `pier __supervise` runs one per project, detached from
// the terminal (new session, output to supervisor.log), holding the project lock.
// The CLI finds it through the control socket and starts it when there is none
// (app/supervisor_connect.h).
#pragma once

#include <string>

#include "base/result.h"
#include "state/paths.h"

namespace pier::supervisor {

// The environment variable naming the pipe on which a starting supervisor says "ready"
// once its control socket listens.
inline constexpr const char* kReadyFdEnv = "PIER_SUPERVISOR_READY_FD";
// The environment variable listing (comma-separated) the fds of the detached mounts the
// supervisor's sealed binary is made of, which the starting CLI hands over rather than
// closing them (runtime::open_sealed_exe): the supervisor holds them until it exits.
inline constexpr const char* kSealedMountsEnv = "PIER_SUPERVISOR_SEALED_MOUNTS";

// Runs the supervisor of `paths.project` until it has nothing left to supervise.
// Returns the process exit code. Another live supervisor of the project: exits 0.
int run_supervisor(const state::ProjectPaths& paths);

// `pier __supervise PROJECT` and pier-supervisor: re-executes the process from a sealed
// copy when it does not run from one, then runs the supervisor of `project` under `root`.
int supervise(const std::string& root, const std::string& project);

}  // namespace pier::supervisor
