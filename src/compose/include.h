// `include`: other compose projects whose services, networks, volumes, secrets and
// configs are added to this one. Each entry is a path string or a mapping
// {path: string|list, project_directory, env_file: string|list}. Every included
// project is loaded with its own project directory and env file, then its relative
// paths are made absolute against that directory (see rebase_project_paths).
// A resource defined both here and in an included project is an error naming both,
// unless the two definitions are identical (a project included twice).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/result.h"
#include "compose/node.h"

namespace pier::compose {

struct IncludeRequest {
  std::vector<std::string> files;      // absolute
  std::string project_directory;       // absolute
  std::vector<std::string> env_files;  // absolute; empty: <project_directory>/.env if present
  Mark mark;                           // the include entry
};

// Loads an included project (merged files, interpolated, its own includes done).
using ProjectLoader = std::function<Result<Node>(const IncludeRequest& request)>;

// Consumes the `include` key of `document`, read from the absolute path `file`.
Status apply_include(Node& document, const std::string& file, const ProjectLoader& load);

// Makes relative paths of a whole project absolute against `dir`: every service
// (rebase_service_paths) and top-level secrets/configs `file:`.
void rebase_project_paths(Node& document, const std::string& dir);

}  // namespace pier::compose
