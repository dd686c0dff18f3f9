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
// A caller-supplied profile; unknown syscall names are skipped (as Docker does). Cached
// per profile, as the default one is.
Result<std::shared_ptr<const SeccompProgram>> custom_seccomp_program(const SeccompProfile& profile);

// Keeps compiled programs in `dir` too (security/seccomp_cache.h), so the next process
// loads what this one compiled. Until it is called, programs are cached in memory only.
void set_seccomp_cache_dir(std::string dir);

}  // namespace pier::runtime
