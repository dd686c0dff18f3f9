// Joining the user's pier namespaces: what a pier command started by a user (in the
// machine's user namespace) does first, so that it acts as uid 0 of pier's user
// namespace and sees the mounts every other pier process of the user made.
#pragma once

#include <string>

#include "base/result.h"

namespace pier::rootless {

// Joins the user and mount namespaces of the pause process recorded under `run_dir`
// (pause_process.h), starting it first when none runs; under `<run_dir>/pause.lock`, so
// two first commands never start two. Must be called while the process has one thread:
// the kernel refuses setns(CLONE_NEWUSER) otherwise. Keeps the working directory.
Status join_user_namespaces(const std::string& run_dir);

// Joins the user and mount namespaces of process `pid` (its /proc/<pid>/ns files).
Status join_namespaces_of(pid_t pid);

}  // namespace pier::rootless
