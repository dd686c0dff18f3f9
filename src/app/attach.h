// `pier attach`: a running container's main process on this terminal, as `docker attach`
// gives it, until the container exits (its exit code is attach's) or the user leaves.
//
// Output: the supervisor reads the container's stdout and stderr FIFOs (or the pty of a
// `tty: true` container) into the json-file log as they are written, so attach follows
// that log (app/logs/log_follower.h) and prints each entry raw on its own stream.
// Input: the supervisor hands over the container's input (protocol.h, AttachRequest):
// the pty master of a tty container (raw terminal, its size and resizes passed on; the
// detach keys leave), or the write end of the stdin a `stdin_open: true` container keeps
// open between attaches. A container without `stdin_open` takes no input, as in Docker.
#pragma once

#include <string>

#include "base/result.h"
#include "state/container_record.h"
#include "state/paths.h"

namespace pier::app {

struct AttachOptions {
  // Without a tty, Ctrl-C (SIGINT) and SIGTERM go to the container's main process, as
  // `docker attach` proxies them; off (or with a tty, where Ctrl-C is a key the
  // container reads): they end attach and leave the container running.
  bool sig_proxy = true;
  bool no_stdin = false;    // relay no input even when the container takes it
  // Empty: the Docker config's `detachKeys`, else ctrl-p,ctrl-q (only a tty container
  // reads them).
  std::string detach_keys;
};

// The container's exit code once it exits; 128+N when signal N ended attach; 1 after
// the detach keys ("read escape sequence" on stderr, as Docker ends).
Result<int> attach_container(const state::ProjectPaths& paths, const state::ContainerRecord& record,
                             const AttachOptions& options);

}  // namespace pier::app
