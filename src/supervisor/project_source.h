// Where a project comes from: the flags, environment and working directory the CLI
// was started with. The CLI sends this to the supervisor, which loads the project
// itself, so a long-lived supervisor always acts on what the user's files say now.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "compose/loader.h"
#include "compose/model.h"

namespace pier::supervisor {

struct ProjectSource {
  compose::LoadOptions load;
  std::vector<std::string> profiles;  // --profile; empty: COMPOSE_PROFILES
  std::vector<std::string> targeted;  // services named on the command line
  bool all_resources = false;         // --all-resources: keep networks, volumes... no service uses
};

nlohmann::json to_json(const ProjectSource& source);
Result<ProjectSource> source_from_json(const nlohmann::json& json);

struct LoadedProject {
  compose::ProjectTree tree;
  compose::Project project;
  compose::Warnings warnings;
};

// Stage 1, stage 2, profiles and the dependency check, as every command loads.
Result<LoadedProject> load_project(const ProjectSource& source);

}  // namespace pier::supervisor
