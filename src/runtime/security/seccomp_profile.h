// Docker's default seccomp profile (moby/profiles seccomp/default.json) expressed as
// pier's own data: syscall groups, each allowed unconditionally or when the container
// holds a capability. Conditional rules (clone, socket, personality) live in seccomp.cpp.
#pragma once

#include <cstddef>

namespace pier::runtime::seccomp_profile {

struct Group {
  int required_cap;  // -1: always; otherwise the CAP_* that unlocks the group
  const char* const* names;
};

extern const Group kGroups[];
extern const size_t kGroupCount;
// Numbers below the highest syscall these lists name get EPERM when not allowed; numbers
// above it are newer than the profile and get ENOSYS so libc can fall back (runc patchbpf).
extern const char* const kNeverAllowed[];

}  // namespace pier::runtime::seccomp_profile
