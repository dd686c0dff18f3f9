// `up`, `create` and `scale` under --dry-run: the lines the real run would print, from
// the same decisions (supervisor/up_decisions.h) over the project's records, and
// nothing done. A network or named volume that does not exist yet says Created, an
// image missing from the store Pulling/Pulled (those `built` were announced by
// announce_builds), each container Recreate/Removed, Created, Starting/Started, or
// Running when it runs and stays.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "app/dry_run/dry_project.h"
#include "app/progress_view.h"
#include "compose/model.h"
#include "supervisor/control/protocol.h"

namespace pier::app::dry_run {

Status simulate_up(const DryProject& project, const supervisor::control::UpOptions& options,
                   const std::set<std::string>& built, ProgressView& view);

// What `up --build` (or an image that is missing) would build: each service's
// Building/Built lines; returns the services.
std::set<std::string> announce_builds(const std::string& pier_root, const compose::Project& project,
                                      const std::vector<std::string>& services, bool no_deps, bool build,
                                      bool no_build);

}  // namespace pier::app::dry_run
