// A directory of the user's that other local users share the parent of: the run
// directory's fallback under /tmp, where anyone may have made that name first.
#pragma once

#include <string>

#include "base/result.h"

namespace pier::rootless {

// Makes `path` 0700, or accepts it only if it is already a real directory (not a
// symlink) owned by this process's effective uid with mode 0700: anything else may be
// another user's trap (a symlink to a directory they read, a directory they can
// write or swap). True when this call created it.
Result<bool> ensure_private_dir(const std::string& path);

}  // namespace pier::rootless
