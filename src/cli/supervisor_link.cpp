#include "cli/supervisor_link.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "base/file_lock.h"
#include "compose/discovery.h"
#include "state/container_record.h"
#include "supervisor/daemon.h"

namespace pier::cli {

namespace {

// Tries of one request, each on a new supervisor, while they answer that they are exiting.
constexpr int kExitingRetries = 5;

}  // namespace

Result<state::ProjectPaths> paths_of(const GlobalOptions& globals, const std::string& project) {
  return state::project_paths(state_root(globals), project);
}

supervisor::ProjectSource source_of(const GlobalOptions& globals, const std::vector<std::string>& targeted) {
  supervisor::ProjectSource source;
  source.load = to_load_options(globals);
  source.profiles = globals.profiles;
  source.targeted = targeted;
  return source;
}

Result<supervisor::control::Client> supervisor_of(const state::ProjectPaths& paths) {
  return supervisor::connect_or_start(paths);
}

Status call_supervisor(const state::ProjectPaths& paths, const nlohmann::json& request, bool quiet) {
  auto print = [quiet](const nlohmann::json& line) {
    if (line.contains("warning")) {
      std::fprintf(stderr, "warning: %s\n", line["warning"].get<std::string>().c_str());
    } else if (line.contains("progress") && !quiet) {
      std::fprintf(stderr, " %s  %s\n", line["progress"].get<std::string>().c_str(),
                   line["status"].get<std::string>().c_str());
    }
  };
  // A supervisor that was exiting (idle) did not take the request, so it is safe to send
  // again; supervisor_of starts a new one. Bounded: other CLIs can make each new one
  // idle again just as this one connects (each time, another request was served).
  Status st;
  for (int attempt = 0; attempt < kExitingRetries; ++attempt) {
    PIER_TRY(auto client, supervisor_of(paths));
    st = client.call(request, print);
    if (st || st.error().errnum() != ESHUTDOWN) return st;
  }
  return st;
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
  if (auto client = supervisor_of(paths); client.ok()) (void)client->call({{"op", "ping"}});
}

}  // namespace pier::cli

namespace pier::cli {

Result<std::vector<state::ContainerRecord>> current_records(const state::ProjectPaths& paths) {
  ensure_adopted(paths);
  return state::RecordStore(paths.records_dir()).list();
}

}  // namespace pier::cli
