// Capability sets: Docker's 14 defaults adjusted by cap_add/cap_drop (names parsed with
// libcap in the parent). The child applies them with prctl/capset only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"

namespace pier::runtime {

using CapMask = uint64_t;

inline constexpr CapMask cap_bit(int cap) { return CapMask{1} << cap; }

int last_cap();                 // /proc/sys/kernel/cap_last_cap, read once
CapMask all_caps();
CapMask available_caps();       // what this process may hand on: permitted and bounding
CapMask default_caps();         // Docker's 14 (daemon/pkg/oci/caps/defaults.go)
// Docker's rules (moby caps.TweakCapabilities): cap_add ALL gives every cap but those in
// cap_drop; else cap_drop ALL gives exactly cap_add; else the defaults (every cap when
// privileged) lose cap_drop, then gain cap_add, so a cap in both lists is kept. Names
// are case-insensitive, with or without CAP_; an unknown name is an error.
Result<CapMask> compute_caps(const std::vector<std::string>& add, const std::vector<std::string>& drop,
                             bool privileged);
std::vector<std::string> cap_names(CapMask mask);  // "cap_chown", ... for tests and debug

}  // namespace pier::runtime
