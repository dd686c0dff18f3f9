// OCI hooks (ContainerSpec::hooks): each stage run as runc runs it, the container's
// state JSON on stdin. The bundle a hook reads (`<state_dir>/bundle/config.json`, with
// `root.path` and the hooks) is written at spawn; the poststop hooks are kept beside it
// so that `destroy`, maybe in a later supervisor, still runs them.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/result.h"
#include "runtime/spec.h"

namespace pier::runtime {

// runtime-spec runtime.md "State": what a hook reads on stdin.
struct HookState {
  std::string id;
  std::string status;  // creating, created, running, stopped
  pid_t pid = 0;
  std::string bundle;
};

// Where a hook process runs: the host's namespaces (no pidfd), or those of `pidfd`
// (setns flags); `cwd` after joining ("/" inside the container).
struct HookPlace {
  int pidfd = -1;
  unsigned ns_flags = 0;
  std::string cwd = "/";
};

// Runs `hooks` in order; the first that fails, exits non-zero or outlives its timeout
// stops the rest. The error names the stage, the hook's path, its exit and the tail of
// its output.
Status run_hooks(const std::vector<Hook>& hooks, const char* stage, const HookState& state, const HookPlace& place);

std::string bundle_dir(const std::string& state_dir);

// Writes the bundle for `spec` (rootfs mounted at `rootfs`) when it has hooks.
Status write_bundle(const ContainerSpec& spec, const std::string& rootfs);

// The poststop hooks saved in the bundle, run on the host; failures are logged.
void run_poststop_hooks(const std::string& state_dir, const std::string& name);

// The state JSON (exposed for tests).
std::string state_json(const HookState& state);

}  // namespace pier::runtime
