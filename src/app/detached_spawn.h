// Starts a program detached from the calling process: in a new session, not its child,
// not a session leader (so it can never take a controlling terminal), in `/`, with
// /dev/null as stdin, a log file as stdout and stderr, no signal blocked and the
// default action for every signal the caller handles. How the CLI starts the supervisor.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace pier::app {

struct DetachedProgram {
  int exe_fd = -1;                     // executed with execveat(AT_EMPTY_PATH)
  std::vector<std::string> argv;
  std::vector<std::string> env;        // the whole environment, NAME=value
  std::string log;                     // stdout and stderr, appended (made 0600)
  std::vector<int> inherited_fds;      // kept open across the exec; every other fd is not
};

// Returns once the program runs (its execve succeeded) or failed to start: an exec
// error shows as the program's exit status 127 to whoever reaps it, not here.
//
// Neither intermediate process copies the caller's memory: they share it, as vfork's
// child does (CLONE_VM | CLONE_VFORK), the caller's thread waiting meanwhile. A fork of
// the CLI, twice, copied its page tables and took a page fault on each page it touched
// before the exec (about 10% of `run --rm`'s CPU, bench/README.md). So nothing between
// the clone and the exec allocates: every string is ready before.
Status spawn_detached(const DetachedProgram& program);

}  // namespace pier::app
