// `pier volumes`: the named volumes of a project that exist on disk, as `docker compose
// volumes` lists those the engine holds for the project.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "compose/model.h"
#include "state/paths.h"

namespace pier::app {

struct ProjectVolume {
  std::string name;        // the real name, `<project>_<key>` unless `name:` says
  std::string mountpoint;  // <root>/volumes/<name>/_data
  std::string service_key; // the key under the file's `volumes:`
};

// The project's own (not external) named volumes that pier has created, sorted by
// name; with `services`, only those their containers mount. An unknown service is an
// error naming it.
Result<std::vector<ProjectVolume>> project_volumes(const compose::Project& project, const state::ProjectPaths& paths,
                                                   const std::vector<std::string>& services);

}  // namespace pier::app
