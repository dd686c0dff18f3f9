// Integration runner: runs the suite, then checks that nothing it made is left behind
// (design.md: "the suite ends with a leak check"): pier cgroups of this run's projects,
// mounts under the test roots, and test directories.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "integration/root_only.h"
#include "integration/support/rootfs.h"

namespace fs = std::filesystem;

namespace {

int report_leaks() {
  int leaks = 0;
  std::string prefix = "it" + std::to_string(::getpid()) + "-";
  std::error_code ec;
  for (const auto& hierarchy : fs::directory_iterator("/sys/fs/cgroup", ec)) {
    fs::path pier = hierarchy.path() / "pier";
    for (const auto& project : fs::directory_iterator(pier, ec)) {
      if (project.path().filename().string().rfind(prefix, 0) == 0) {
        std::fprintf(stderr, "leak: cgroup %s\n", project.path().c_str());
        ++leaks;
      }
    }
  }
  const std::string own = pier::test::this_run_prefix();
  int mounts = pier::test::count_mounts_under(own);
  if (mounts) std::fprintf(stderr, "leak: %d mounts under %s\n", mounts, own.c_str());
  return leaks + mounts;
}

}  // namespace

int main(int argc, char** argv) {
  if (pier::test::must_skip_without_root(argc, argv)) return pier::test::kSkipExitCode;
  int failed = Catch::Session().run(argc, argv);
  if (::geteuid() == 0 && report_leaks() > 0) return failed + 1;
  return failed;
}
