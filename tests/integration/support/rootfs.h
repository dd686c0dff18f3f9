// Test fixture: a busybox rootfs in two layers (base: busybox + applets + /etc; top: the
// probe), a unique project/container name, and a run helper capturing the output.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "runtime/container.h"
#include "runtime/spec.h"

namespace pier::test {

// Catch2 v2 has no SKIP: warn with the reason and leave the test.
#define PIER_SKIP(reason) \
  do {                    \
    WARN("SKIP: " << (reason)); \
    return;               \
  } while (0)

struct RunResult {
  bool started = false;
  std::string error;  // spawn error text
  int exit_code = -1;
  std::string output;  // stdout + stderr
  std::map<std::string, std::string> values;  // key=value lines
  const std::string& operator[](const std::string& key) const;
};

class TestRoot {
 public:
  TestRoot();
  ~TestRoot();
  TestRoot(const TestRoot&) = delete;
  TestRoot& operator=(const TestRoot&) = delete;

  const std::string& path() const { return root_; }
  const std::string& project() const { return project_; }
  // A spec running the probe with `args`, rootfs = overlay(top, base), unique name.
  runtime::ContainerSpec spec(const std::vector<std::string>& probe_args);
  // Spawns, collects output until exit, waits, destroys.
  RunResult run(runtime::ContainerSpec spec);
  std::string unique(const std::string& prefix);

  static std::string base_layer();   // shared across tests, built once
  static std::string probe_layer();

 private:
  std::string root_;
  std::string project_;
  int counter_ = 0;
};

bool running_as_root();
// "/tmp/pier-it-<pid>-": what this test process makes in /tmp starts with it.
std::string this_run_prefix();
// Mount points under `prefix` in the host's mount table (leak check).
int count_mounts_under(const std::string& prefix);
std::map<std::string, std::string> parse_values(const std::string& output);

}  // namespace pier::test
