// The user's pause process: it makes pier's user namespace and mount namespace and holds
// them, so that every pier process of the user joins the same ones (join.h). Podman's
// rootless pause process does the same; pier's also ends when nothing uses them any
// more (namespace_use.h), so `down` of the last project leaves no process behind.
#pragma once

#include <sys/types.h>

#include <string>

#include "base/result.h"
#include "rootless/namespace_maps.h"

namespace pier::rootless {

struct PauseFiles {
  std::string lock;    // <run>/pause.lock: held to start, join or end the pause process
  std::string record;  // <run>/pause.pid
};

// Starts the pause process with `maps`, detached (its own session, not this process's
// child), and returns its pid once it holds both namespaces. The caller holds
// `files.lock`; the pause process takes it, without waiting, for each look at whether
// it is still needed, and removes `files.record` when it exits.
Result<pid_t> start_pause(const NamespaceMaps& maps, const PauseFiles& files);

}  // namespace pier::rootless
