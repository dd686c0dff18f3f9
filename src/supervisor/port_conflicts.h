// Host ports that two containers of one `up` would both publish. Found before
// anything starts: otherwise the second proxy's bind fails after the first service
// is already running.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "compose/model.h"

namespace pier::supervisor {

// `services`: each service to start with its replica count. A fixed published port
// is taken by every replica; a range gives replica i its i-th port.
Status check_host_ports(const compose::Project& project, const std::vector<std::pair<std::string, int>>& services);

// Every published port outside a range is a listening socket of the supervisor (its
// proxy); a range ("8000-8100:8000-8100") is published by the kernel and holds none.
// Listeners beyond half of `fd_limit` (the supervisor's RLIMIT_NOFILE) are an error
// before anything starts, instead of a bind failing with EMFILE after some containers run.
Status check_listener_budget(const compose::Project& project, const std::vector<std::pair<std::string, int>>& services,
                             uint64_t fd_limit);

}  // namespace pier::supervisor
