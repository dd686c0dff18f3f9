// Turns a ContainerSpec (and what the parent read from the image) into a ContainerPlan.
#pragma once

#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "runtime/process/plan.h"
#include "runtime/rootfs.h"
#include "runtime/spec.h"
#include "runtime/users.h"

namespace pier::runtime {

// Fills the process part (argv, env, user, rlimits, caps, seccomp) shared by spawn and exec.
Status plan_process(ContainerPlan& plan, const Process& process, const ResolvedUser& user,
                    const std::string& hostname, bool privileged, SeccompMode seccomp, bool init,
                    const std::string& init_path, const SeccompProfile* custom = nullptr);
// Namespace flags and joins; opened pidfds are kept alive in `fds`.
Status plan_namespaces(ContainerPlan& plan, const Namespaces& ns, std::vector<UniqueFd>& fds);

}  // namespace pier::runtime
