#include "cli/supervisor_link.h"

#include <unistd.h>

#include "app/supervisor_connect.h"
#include "base/file_lock.h"
#include "compose/discovery.h"
#include "state/container_record.h"

namespace pier::cli {

Result<state::ProjectPaths> paths_of(const GlobalOptions& globals, const std::string& project) {
  return state::project_paths(state_root(globals), project);
}

supervisor::ProjectSource source_of(const GlobalOptions& globals, const std::vector<std::string>& targeted) {
  supervisor::ProjectSource source;
  source.load = to_load_options(globals);
  source.profiles = globals.profiles;
  source.targeted = targeted;
  source.all_resources = globals.all_resources;
  return source;
}

Result<app::ControlClient> supervisor_of(const state::ProjectPaths& paths) {
  return app::connect_or_start(paths);
}

Status check_services(const ProjectRef& project, const std::vector<std::string>& services) {
  if (project.loaded)
    for (const auto& name : services)
      if (!project.loaded->project.find_service(name)) return Error("no such service: " + name);
  return {};
}

Result<ProjectRef> resolve_project(const GlobalOptions& globals, const std::vector<std::string>& targeted) {
  auto loaded = load_project(globals, targeted);
  if (!loaded) {
    // No compose file but a project name: act on what the project's state holds.
    std::string name = globals.project_name;
    if (name.empty())
      if (const char* env = std::getenv("COMPOSE_PROJECT_NAME"); env && *env) name = env;
    if (name.empty() || loaded.error().message().find("no configuration file") == std::string::npos)
      return std::move(loaded).error();
    PIER_CHECK(compose::check_project_name(name));
    PIER_TRY(auto paths, paths_of(globals, name));
    return ProjectRef{name, std::move(paths), std::nullopt};
  }
  std::string name = loaded->project.name;
  PIER_TRY(auto paths, paths_of(globals, name));
  return ProjectRef{name, std::move(paths), std::move(*loaded)};
}

void ensure_adopted(const state::ProjectPaths& paths) {
  // Scanned, not listed: current_records() warns about an unreadable record once.
  auto records = state::RecordStore(paths.records_dir()).scan();
  if (!records || records->records.empty()) return;
  {
    // The lock is free exactly when no supervisor holds the project; release it at
    // once so the new supervisor can take it.
    auto lock = FileLock::acquire(paths.lock_file(), FileLock::Mode::exclusive, true);
    if (!lock) return;
  }
  if (auto client = supervisor_of(paths); client.ok()) (void)client->call(supervisor::control::PingRequest{});
}

}  // namespace pier::cli

namespace pier::cli {

Result<std::vector<state::ContainerRecord>> current_records(const state::ProjectPaths& paths) {
  ensure_adopted(paths);
  return state::RecordStore(paths.records_dir()).list();
}

}  // namespace pier::cli
