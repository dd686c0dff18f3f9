// Compiles Docker's default seccomp profile for a container's effective capabilities into
// a BPF program (libseccomp, parent side). The child installs it with one syscall.
#pragma once

#include <linux/filter.h>

#include <memory>
#include <vector>

#include "base/result.h"
#include "runtime/security/caps.h"
#include "runtime/spec.h"

namespace pier::runtime {

using SeccompProgram = std::vector<sock_filter>;

// Cached per capability mask: every container with the same caps shares one program.
Result<std::shared_ptr<const SeccompProgram>> default_seccomp_program(CapMask caps);
// A caller-supplied profile; unknown syscall names are skipped (as Docker does).
Result<std::shared_ptr<const SeccompProgram>> custom_seccomp_program(const SeccompProfile& profile);

}  // namespace pier::runtime
