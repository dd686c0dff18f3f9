// A stable hash for names made from other names (kernel object names, design rule 4).
#pragma once

#include <cstdint>
#include <string_view>

namespace pier {

// FNV-1a over 64 bits, from pier's own offset basis (1469598103934665603, not the
// published one). It must never change: bridges and veths of running projects were
// named with it, and `down` and crash recovery find them by name again.
uint64_t fnv1a(std::string_view text);

}  // namespace pier
