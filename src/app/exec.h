// `exec`: a new process in a running container, started by the CLI itself from the
// container's record (its namespaces, cgroup, env, user and security), so its exit code
// comes straight back. Its stdio are a pty or pipes the CLI relays (stdio_relay.h),
// never the CLI's own descriptors.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "state/container_record.h"

namespace pier::app {

struct ExecOptions {
  std::vector<std::string> argv;
  std::vector<std::string> env;  // "K=V", over the container's environment
  std::string user;              // default: the container's user
  std::string workdir;           // default: the container's working directory
  bool tty = false;
  bool interactive = true;       // stdin attached
  bool privileged = false;
  bool detach = false;
};

// The process's exit code (128+signal when killed); 0 at once with `detach`.
Result<int> exec_in_container(const state::ContainerRecord& record, const ExecOptions& options);

}  // namespace pier::app
