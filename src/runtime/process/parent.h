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

struct Launched {
  pid_t pid = 0;
  UniqueFd pidfd;
  UniqueFd pty_master;  // with Process::tty
};

Result<Launched> launch(ContainerPlan& plan, CgroupManager* cgroups, const std::string& cgroup_rel,
                        const BeforeExecHook& hook);

// waitid(P_PIDFD): the exit code, or 128+signal when killed.
Result<int> wait_pidfd(int pidfd);

}  // namespace pier::runtime
