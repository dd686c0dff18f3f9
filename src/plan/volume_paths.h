// Where a container's anonymous volumes live. Kept apart so the choice (the per-container
// scratch dir, removed with the container) is made in one place.
#pragma once

#include <string>

#include "state/paths.h"

namespace pier::plan {

// <scratch>/volumes/<target with every byte outside [A-Za-z0-9.-] as _XX>: one directory
// per mount target, the same on every start of the container.
Result<std::string> anonymous_volume_dir(const state::ProjectPaths& paths, const std::string& container,
                                 const std::string& target);

}  // namespace pier::plan
