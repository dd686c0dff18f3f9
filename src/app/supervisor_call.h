// One request to the project's supervisor, as the commands that change containers make
// it: progress lines (" Container web-1 Started") and warnings go to the progress view
// the global flags ask for (app/progress_view.h), as Docker Compose prints them.
#pragma once

#include <optional>

#include "app/terminal.h"
#include "base/result.h"
#include "state/paths.h"
#include "supervisor/control/protocol.h"

namespace pier::app {

// Starts the supervisor when none runs; returns the request's final status. `mode`
// overrides --progress (quiet: only warnings are printed).
Status call_supervisor(const state::ProjectPaths& paths, const supervisor::control::Request& request,
                       std::optional<ProgressMode> mode = std::nullopt);

}  // namespace pier::app
