// Integration tests need root (namespaces, mounts, cgroups, bridges). Run as another
// user, a suite exits 77, which ctest reports as skipped (SKIP_RETURN_CODE), rather
// than passing without having tested anything. Listing tests needs no root.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <string_view>

namespace pier::test {

inline bool must_skip_without_root(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg(argv[i]);
    if (arg == "-l" || arg.substr(0, 6) == "--list") return false;
  }
  if (::geteuid() == 0) return false;
  std::fprintf(stderr, "skipped: integration tests need root\n");
  return true;
}

inline constexpr int kSkipExitCode = 77;

}  // namespace pier::test
