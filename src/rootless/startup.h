// What a pier process does first when it runs for a user (sys::rootless()): choose the
// user's default directories and make them, and, when started by the user in the
// machine's user namespace, move into pier's user namespace (join.h). Root's pier does
// nothing here.
#pragma once

#include <optional>

#include "base/result.h"
#include "rootless/locations.h"

namespace pier::rootless {

// Call first in main, while the process has one thread. nullopt for root's pier; else
// the user's locations, which become the defaults of --root and of the run directory.
Result<std::optional<Locations>> start_rootless();

}  // namespace pier::rootless
