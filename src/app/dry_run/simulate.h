// `--dry-run`: a request the CLI would send to the supervisor, answered here instead,
// with the progress lines the supervisor would send (prefixed "DRY-RUN MODE - " by the
// view) and the same errors, from the project's records (dry_project.h). Nothing is
// created, changed or started: no supervisor, container, network, volume, image or
// record.
#pragma once

#include <set>
#include <string>

#include "app/progress_view.h"
#include "state/paths.h"
#include "supervisor/control/protocol.h"

namespace pier::app::dry_run {

// `built`: the services whose images `up` announced it would build (announce_builds).
Status simulate(const state::ProjectPaths& paths, const supervisor::control::Request& request, ProgressView& view,
                const std::set<std::string>& built = {});
// The same on the command's progress view (call_supervisor's, under --dry-run).
Status simulate(const state::ProjectPaths& paths, const supervisor::control::Request& request,
                const std::set<std::string>& built);

}  // namespace pier::app::dry_run
