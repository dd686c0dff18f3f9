// Stage 1 of loading a project: find the compose files, read .env, load every
// file, interpolate, resolve `include` and `extends`, and merge the `-f` files
// into one document tree. Stage 2 (normalize.h) turns that tree into typed structs.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "compose/diagnostics.h"
#include "compose/environment.h"
#include "compose/node.h"

namespace pier::compose {

struct LoadOptions {
  std::vector<std::string> files;       // -f (in order); empty: COMPOSE_FILE, then discovery
  std::string project_name;             // -p; empty: COMPOSE_PROJECT_NAME, `name:`, directory
  std::string project_directory;        // --project-directory; empty: the first file's dir
  std::vector<std::string> env_files;   // --env-file; empty: COMPOSE_ENV_FILES, then <dir>/.env
  Environment environment;              // the process environment
  std::string working_directory;        // where pier was started (for discovery)
  bool interpolate = true;              // false for `config --no-interpolate`
  // What `-f -` reads; unset: standard input (tests set it).
  std::optional<std::string> stdin_text;
  // Heap to reserve (base/heap_reserve.h) per byte of each compose file before it is
  // parsed; 0: none. The parsed tree and the model take about 25 bytes per byte of
  // YAML. For the CLI, which exits after one load; a supervisor keeps 0.
  size_t heap_per_source_byte = 0;
};

struct ProjectTree {
  Node root;                              // merged, interpolated, include/extends resolved
  std::string name;                       // normalised project name
  std::string working_dir;                // absolute project directory
  std::vector<std::string> config_files;  // absolute paths, in load order
  Environment environment;                // what interpolation used: .env overlaid by the process env
  // Secrets' and configs' `environment: VAR` that an included project's own environment
  // (its env_file or .env) sets, keyed "secrets.NAME" / "configs.NAME".
  std::map<std::string, std::string> included_sources;
  Warnings warnings;
};

// Finds the files and env files, reads them and returns the merged tree. Per file,
// in this order (as compose-go): parse, interpolate, resolve `extends`, resolve
// `include`, then merge over the previous files. Warnings never fail the load.
Result<ProjectTree> load_tree(const LoadOptions& options);

}  // namespace pier::compose
