// `pier attach`: the output of a running container's main process from now on, on this
// terminal, until the container exits (its exit code is attach's) or the user leaves.
//
// What the supervisor keeps of a container's stdio is its log: it reads the stdout and
// stderr FIFOs (or the pty of a `tty: true` container) into the json-file log as they
// are written, so attach follows that log (app/logs/log_follower.h) and prints each
// entry raw on its own stream. The container's stdin is not kept by anyone after start
// (it is /dev/null), so attach relays none; see docs/compat.md.
#pragma once

#include <string>

#include "base/result.h"
#include "state/container_record.h"
#include "state/paths.h"

namespace pier::app {

struct AttachOptions {
  // Ctrl-C (SIGINT) and SIGTERM go to the container's main process, as `docker attach`
  // proxies them; off: they end attach and leave the container running.
  bool sig_proxy = true;
};

// The container's exit code once it exits, 130 when the user left with Ctrl-C.
Result<int> attach_container(const state::ProjectPaths& paths, const state::ContainerRecord& record,
                             const AttachOptions& options);

}  // namespace pier::app
