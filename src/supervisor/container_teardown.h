// What removing a container leaves nothing of, found by its kernel names alone: the
// cgroup pier/<project>/<name> (and every process in it), its scratch dir, the namespaces
// held for it, its logs and anonymous volumes. `rm`/`down` of a managed container use it,
// and so does `down` for a container whose record no longer parses.
#pragma once

#include <string>

#include "base/result.h"
#include "state/paths.h"

namespace pier::supervisor {

// Blocking (kills and waits on a cgroup): run it on the worker pool. Removing what is
// already gone is success, so two `down`s at once both succeed.
Status destroy_container(const state::ProjectPaths& paths, const std::string& container, const std::string& scratch_dir);

}  // namespace pier::supervisor
