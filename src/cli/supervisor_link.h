// How commands reach a project's supervisor: the project's paths, the source the
// supervisor loads the project from, and progress lines printed as Docker Compose does.
#pragma once

#include <string>
#include <vector>

#include "app/control_client.h"
#include "app/supervisor_call.h"
#include "base/result.h"
#include "cli/global_options.h"
#include "cli/project.h"
#include "state/container_record.h"
#include "state/paths.h"
#include "supervisor/project_source.h"

namespace pier::cli {

Result<state::ProjectPaths> paths_of(const GlobalOptions& globals, const std::string& project);
supervisor::ProjectSource source_of(const GlobalOptions& globals, const std::vector<std::string>& targeted);

// Starts the supervisor when none runs.
Result<app::ControlClient> supervisor_of(const state::ProjectPaths& paths);

// Sends a request, printing progress and warnings on stderr; the final status.
using app::call_supervisor;

// The project's name and paths: from the compose file, or from -p alone when there
// is none (so `pier down -p x` and `pier ps -p x` work anywhere).
struct ProjectRef {
  std::string name;
  state::ProjectPaths paths;
  std::optional<LoadedProject> loaded;
};
Result<ProjectRef> resolve_project(const GlobalOptions& globals, const std::vector<std::string>& targeted);
// "no such service: X" for a name the compose file does not declare; without a
// compose file (-p alone) any name is taken as written.
Status check_services(const ProjectRef& project, const std::vector<std::string>& services);

// A supervisor that died left containers behind: start a new one so it adopts them.
void ensure_adopted(const state::ProjectPaths& paths);
// The project's container records, after any adoption.
Result<std::vector<state::ContainerRecord>> current_records(const state::ProjectPaths& paths);

}  // namespace pier::cli
