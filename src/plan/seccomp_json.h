// Docker's seccomp profile JSON (the format of moby's default.json and of
// `security_opt: seccomp=<file>`) read into the runtime's SeccompProfile. Rules carry
// `includes`/`excludes` conditions on capabilities, architecture and kernel version;
// they are decided here, for one container, as Docker does when it loads a profile.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "runtime/security/caps.h"
#include "runtime/spec.h"

namespace pier::plan {

struct SeccompTarget {
  runtime::CapMask caps = 0;            // the container's capabilities
  std::vector<std::string> arch_names;  // names of the native arch in profiles: {"amd64", "x86_64"}
  int kernel_major = 0, kernel_minor = 0;
};

// The native architecture and running kernel, with the given capabilities.
SeccompTarget host_seccomp_target(runtime::CapMask caps);

Result<runtime::SeccompProfile> parse_seccomp_profile(std::string_view json, const SeccompTarget& target);

}  // namespace pier::plan
