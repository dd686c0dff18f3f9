// What the host lets pier hand a container: rlimits can only be raised above pier's own
// hard limits, and oom_score_adj lowered below its own, with CAP_SYS_RESOURCE. Asking the
// child to do more fails late with a bare EPERM, so the plan checks first.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace pier::plan {

// RLIMIT_* for Docker's ulimit names ("nofile", "nproc", "memlock", ...), or nullopt.
std::optional<int> rlimit_resource(std::string_view name);
// The highest hard limit pier can set for `resource`: its own, or unlimited with
// CAP_SYS_RESOURCE.
uint64_t max_hard_rlimit(int resource);
bool has_sys_resource();
int own_oom_score_adj();

}  // namespace pier::plan
