// Which sysctls a container may set: only those its own namespaces scope, as runc's
// validator allows them. A sysctl of a namespace the container shares (the host's or
// another container's) would change it for everyone in it, so it is refused.
#pragma once

#include <string>

#include "base/result.h"
#include "runtime/spec.h"

namespace pier::runtime {

// The error names the sysctl and the reason; the caller adds the service and location.
Status check_sysctl(const std::string& key, const std::string& value, const Namespaces& ns);

}  // namespace pier::runtime
