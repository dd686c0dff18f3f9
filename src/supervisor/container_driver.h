// What a ManagedContainer asks of the runtime, as an interface, so the container's
// life (start, exit, restart, health, stop, removal) runs unchanged over the real
// runtime (runtime_driver.cpp) and over a fake in the unit tests. The calls marked
// blocking run on the worker pool, never on the loop; the others are quick. A
// container's exit is seen by watching its pidfd on the loop; `wait` then reads the
// exit code.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "runtime/container.h"
#include "state/paths.h"

namespace pier::supervisor {

class ContainerDriver {
 public:
  virtual ~ContainerDriver() = default;

  // Blocking. Runs the container's init; `options.before_exec` runs in between
  // "namespaces exist" and "exec" (the network attach).
  virtual Result<runtime::Container> spawn(const runtime::ContainerSpec& spec, const runtime::SpawnOptions& options) = 0;
  // Blocking. A new process in a running container (a health probe).
  virtual Result<runtime::ExecHandle> exec(const runtime::Container& container, const runtime::Process& process) = 0;
  // Exit code (or 128+signal) of the process behind `pidfd`, once it has exited.
  virtual Result<int> wait(int pidfd) = 0;
  virtual Status kill(const runtime::Container& container, int signal) = 0;
  virtual Status pause(const runtime::Container& container) = 0;
  virtual Status resume(const runtime::Container& container) = 0;
  virtual Result<runtime::CgroupStats> stats(const runtime::Container& container) = 0;
  // The limits of `res` (runtime::ignored_limits' names) the host will not apply: a
  // rootless pier without delegated cgroup controllers. Fakes apply everything.
  virtual std::vector<std::string> ignored_limits(const runtime::Resources& res) {
    (void)res;
    return {};
  }
  // Blocking. Kills everything in the container's cgroup and removes it (and the state
  // dir when one is named); what is already gone is success.
  virtual Status destroy(const std::string& project, const std::string& name, const std::string& state_dir) = 0;
  // Blocking. Everything a removed container leaves (container_teardown.h).
  virtual Status remove(const state::ProjectPaths& paths, const std::string& name, const std::string& scratch_dir) = 0;
  // After the project's last container: the project's empty parent cgroups.
  virtual void release_project(const std::string& project) = 0;

  // Adoption after a supervisor crash: `pid` is still the process recorded (same start
  // time, so not a reused pid), and a pidfd for it (invalid, errno set, on failure).
  virtual bool alive(pid_t pid, uint64_t start_time) = 0;
  virtual UniqueFd open_pidfd(pid_t pid) = 0;
};

// The real one: runtime:: and the kernel.
std::unique_ptr<ContainerDriver> make_runtime_driver();

}  // namespace pier::supervisor
