// The root directory of a running container as its processes see it, for host-side code
// that reads or writes the container's files (`cp`, `export`).
//
// pier mounts a container's overlay inside the container's own mount namespace, so the
// state dir's `rootfs` is an empty directory on the host; the root is reached through
// /proc/<pid>/root of the container's init. That is a magic link, which is safe here and
// only here: pier opens it itself, from the host's procfs, and gets the container's root
// directory in the container's mount namespace, which the container cannot point
// anywhere else. Every lookup below it then goes through sys/in_root.h
// (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), so the magic links *inside* the container
// (its own /proc/self/root, /proc/1/cwd, ...) are refused. A pidfd taken before the open
// and checked after it proves the root belongs to the recorded process, not to one that
// reused its pid.
#pragma once

#include "base/result.h"
#include "state/container_record.h"
#include "sys/in_root.h"

namespace pier::app {

// Names the container in every message as `<name>:` (so a path reads `p-web-1:/etc`).
Result<sys::ContentRoot> open_container_root(const state::ContainerRecord& record);

}  // namespace pier::app
