// The runtime's public API: spawn a container from a ContainerSpec, run more processes in
// it, signal it, and destroy it. Errors name the operation, the path and the reason; the
// supervisor adds the service frame.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "runtime/cgroup/manager.h"
#include "runtime/process/parent.h"
#include "runtime/spec.h"

namespace pier::runtime {

struct Container {
  std::string project, name;
  std::string state_dir;
  std::string cgroup;  // pier/<project>/<name>; empty: none (rootless, nothing delegated)
  pid_t pid = 0;       // in the host's PID namespace
  UniqueFd pidfd;
  UniqueFd pty_master;  // with process.tty
  // What exec_in gives a new process, as Docker's exec does: the container's security.
  bool privileged = false;
  SeccompMode seccomp = SeccompMode::default_profile;
  SeccompProfile seccomp_profile;
  std::vector<std::string> cap_add, cap_drop;
  // ...and the hardening of its own process: ulimits, oom_score_adj, no_new_privs.
  std::vector<Rlimit> rlimits;
  std::optional<int> oom_score_adj;
  bool no_new_privs = false;
};

struct ExecHandle {
  pid_t pid = 0;
  UniqueFd pidfd;
  UniqueFd pty_master;  // with process.tty
};

struct SpawnOptions {
  BeforeExecHook before_exec;  // e.g. the net module's attach step
};

Result<Container> spawn(const ContainerSpec& spec, const SpawnOptions& options = {});

// A new process inside a running container: all its namespaces, its cgroup and root.
// Non-dumpable until it execs. `process.user` is resolved against the container's files.
// It gets the container's rlimits and oom_score_adj unless `process` names its own, and
// no_new_privs when either asks for it.
Result<ExecHandle> exec_in(const Container& container, const Process& process);

// Exit code, or 128+signal.
Result<int> wait(int pidfd);
// pause/unpause (cgroup freezer) and the figures `stats`/`top` show.
Status pause(const Container& container);
Status resume(const Container& container);
Result<CgroupStats> stats(const Container& container);
// The limits in `res` this host's cgroups will not apply (cgroup/manager.h's names): a
// rootless pier without a delegated controller starts the container without them.
std::vector<std::string> ignored_limits(const Resources& res);
Status kill(const Container& container, int signal);

// Kills everything in the cgroup, removes the cgroup and the state dir (upper, work,
// generated files). Needs no process handle; a second call is a no-op.
Status destroy(const std::string& project, const std::string& name, const std::string& state_dir);
// After the last container of a project: removes the empty pier/<project> cgroups (and
// pier when no other project uses it). Kept apart from destroy so back-to-back starts in
// one project do not recreate the parents every time.
void release_project(const std::string& project);

}  // namespace pier::runtime
