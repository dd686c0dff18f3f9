// Wall-clock time as Docker records it: nanoseconds since the Unix epoch.
#pragma once

#include <chrono>
#include <cstdint>

namespace pier {

inline int64_t unix_time_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace pier
