// What `--dry-run` knows of a project: read, never changed. No supervisor is started
// or asked (one that runs keeps the records on disk current, so reading them is asking
// it); the records are read as they are, except that a container recorded as running
// or paused whose process is gone reads as exited, as the next supervisor would adopt
// it. The project is the request's (up, down), else the one the supervisor last loaded
// (`project.json`), as a supervisor answering the request would act on it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/progress_view.h"
#include "base/result.h"
#include "state/container_record.h"
#include "state/paths.h"
#include "supervisor/project_source.h"

namespace pier::app::dry_run {

struct DryProject {
  state::ProjectPaths paths;
  std::vector<state::ContainerRecord> records;  // sorted by name, as the supervisor holds them
  std::vector<std::string> unreadable;          // records that do not parse (`down` removes them)
  std::optional<supervisor::LoadedProject> loaded;

  const compose::Project* project() const { return loaded ? &loaded->project : nullptr; }
  // The containers of `services` (all when empty), one-offs included.
  std::vector<const state::ContainerRecord*> select(const std::vector<std::string>& services) const;
};

Result<DryProject> read_project(const state::ProjectPaths& paths, const supervisor::ProjectSource* source);

// Something a stop would act on: a process, or a restart waiting for its backoff.
bool stoppable(const state::ContainerRecord& record);

// `containers` in the order the supervisor acts on them: waves of the dependency order
// (`reverse`: dependents first, as stops go), orphans and unknown services first when
// stopping, last when starting.
std::vector<std::vector<const state::ContainerRecord*>> in_waves(const compose::Project* project,
                                                                 std::vector<const state::ContainerRecord*> containers,
                                                                 bool reverse);

// The lines of the supervisor's stop_in_waves ("Stopp": Stopping/Stopped, "Restart":
// Restarting/Restarted) for what runs, of its start_in_waves (Starting when announced,
// Started), and of remove_containers (the stops, then Removed for each).
void announce_stops(const DryProject& p, const std::vector<const state::ContainerRecord*>& targets,
                    const std::string& verb, ProgressView& view);
void announce_starts(const DryProject& p, const std::vector<const state::ContainerRecord*>& targets, bool announce,
                     ProgressView& view);
void announce_removals(const DryProject& p, const std::vector<const state::ContainerRecord*>& targets,
                       ProgressView& view);

}  // namespace pier::app::dry_run
