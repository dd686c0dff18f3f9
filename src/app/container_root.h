// The root directory of a container as its processes see it, for host-side code that
// reads or writes the container's files (`cp`, `export`).
//
// Running: pier mounts a container's overlay inside the container's own mount
// namespace, so the state dir's `rootfs` is an empty directory on the host; the root is
// reached through /proc/<pid>/root of the container's init. That is a magic link, which
// is safe here and only here: pier opens it itself, from the host's procfs, and gets the
// container's root directory in the container's mount namespace, which the container
// cannot point anywhere else. A pidfd taken before the open and checked after it proves
// the root belongs to the recorded process, not to one that reused its pid.
//
// Stopped (created or exited): its overlay, the image's layers under its upper dir, is
// mounted for this process alone as a detached mount (fsopen/fsmount: attached nowhere,
// gone with the descriptor), nosuid, nodev and noexec, read-only unless the caller
// writes. What is written lands in the upper dir as overlayfs copies it up, so the
// container sees it at its next start, as `docker cp` into a stopped container.
//
// Either way every lookup below the root goes through sys/in_root.h (RESOLVE_IN_ROOT |
// RESOLVE_NO_MAGICLINKS), so the links *inside* the container (its /proc/self/root, an
// absolute symlink in an image layer) never lead out of it.
#pragma once

#include <string>

#include "base/result.h"
#include "state/container_record.h"
#include "sys/in_root.h"

namespace pier::app {

enum class RootAccess { read, write };

// Names the container in every message as `<name>:` (so a path reads `p-web-1:/etc`).
// `pier_root`: the store that holds a stopped container's image layers.
Result<sys::ContentRoot> open_container_root(const state::ContainerRecord& record, const std::string& pier_root,
                                             RootAccess access);

}  // namespace pier::app
