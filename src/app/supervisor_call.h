// One request to the project's supervisor, as the commands that change containers make
// it: progress lines (" Container web-1  Started") and warnings go to stderr, as Docker
// Compose prints them.
#pragma once

#include "base/result.h"
#include "state/paths.h"
#include "supervisor/control/protocol.h"

namespace pier::app {

// Starts the supervisor when none runs; returns the request's final status. `quiet`
// leaves out the progress lines (warnings are always printed).
Status call_supervisor(const state::ProjectPaths& paths, const supervisor::control::Request& request,
                       bool quiet = false);

}  // namespace pier::app
