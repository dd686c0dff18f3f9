// Stage 2 of loading a project: the merged document tree -> typed, normalised
// compose::Project. Short syntaxes are expanded, defaults Docker Compose prints are
// filled in, every key is checked (unknown keys, wrong types, bad values) and
// cross-references (networks, volumes, secrets, configs, services) are validated.
#pragma once

#include "base/result.h"
#include "compose/diagnostics.h"
#include "compose/loader.h"
#include "compose/model.h"

namespace pier::compose {

// What `config --no-consistency` and `--no-path-resolution` turn off; every other
// command loads with both on.
struct NormalizeOptions {
  // Cross-references (undefined services, networks, volumes, secrets, configs) and the
  // combinations Compose calls inconsistent: `network_mode` beside `networks`,
  // `container_name` with several replicas, `scale` against `deploy.replicas`.
  bool consistency = true;
  // Relative paths (bind sources, build contexts, secret and config files) made
  // absolute against the project directory, `~` expanded.
  bool resolve_paths = true;
  // `env_file` read and merged into `environment`, keys without a value looked up in the
  // project's environment (false: `config --no-env-resolution`).
  bool resolve_environment = true;
};

// Errors carry file:line:col of the offending key or value. Non-fatal findings
// (the obsolete `version`) are appended to `warnings`.
Result<Project> normalize_project(const ProjectTree& tree, Warnings& warnings, const NormalizeOptions& options = {});

}  // namespace pier::compose
