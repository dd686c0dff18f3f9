// The parent side of a launch: clone (directly, or through an intermediate that joined a
// PID namespace), put the child in its cgroup, run the hook, and wait for exec or an error.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>

#include "base/result.h"
#include "base/unique_fd.h"
#include "runtime/cgroup/manager.h"
#include "runtime/process/plan.h"

namespace pier::runtime {

// Runs between "namespaces exist" and "exec" with the child's pid and pidfd (the net
// module attaches interfaces here). An error aborts the start.
using BeforeExecHook = std::function<Status(pid_t pid, int pidfd)>;

// The points where the parent runs code while the child waits: after the mount table
// and before pivot_root (`after_mounts`: OCI createRuntime and createContainer hooks),
// and after pivot_root before exec (`before_exec`). Either may be empty.
struct LaunchHooks {
  BeforeExecHook after_mounts;
  BeforeExecHook before_exec;
};

struct Launched {
  pid_t pid = 0;
  UniqueFd pidfd;
  UniqueFd pty_master;  // with Process::tty
};

Result<Launched> launch(ContainerPlan& plan, CgroupManager* cgroups, const std::string& cgroup_rel,
                        const LaunchHooks& hooks);

// waitid(P_PIDFD): the exit code, or 128+signal when killed.
Result<int> wait_pidfd(int pidfd);

}  // namespace pier::runtime
