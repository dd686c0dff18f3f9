// How many file descriptors this process holds: flood tests check that a server
// keeps its own share bounded.
#pragma once

#include <filesystem>

namespace pier::net::test {

inline size_t open_fds() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

}  // namespace pier::net::test
