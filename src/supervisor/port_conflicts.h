// Host ports that two containers of one `up` would both publish. Found before
// anything starts: otherwise the second proxy's bind fails after the first service
// is already running.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "compose/model.h"

namespace pier::supervisor {

// `services`: each service to start with its replica count. A fixed published port
// is taken by every replica; a range gives replica i its i-th port.
Status check_host_ports(const compose::Project& project, const std::vector<std::pair<std::string, int>>& services);

}  // namespace pier::supervisor
