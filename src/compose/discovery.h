// Which compose files, env files and project name a command works on, decided as
// Docker Compose decides them (see LoadOptions for the order of precedence).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "compose/diagnostics.h"
#include "compose/environment.h"

namespace pier::compose {

// Looks for compose.yaml, compose.yml, docker-compose.yaml, docker-compose.yml (in
// that order) in `dir` and then its parents; returns the file found plus the first
// existing override file next to it (compose.override.yaml, ...). Several main
// candidates in one directory: the first wins, with a warning.
// Nothing found: "no configuration file provided: not found".
Result<std::vector<std::string>> discover_compose_files(const std::string& dir, Warnings& warnings);

// `-f` files if any, else COMPOSE_FILE (split by COMPOSE_PATH_SEPARATOR, default
// ':'), else discovery from `discovery_dir` (the --project-directory, or the working
// directory). Relative paths are made absolute against `working_dir`; "-" (stdin)
// is kept. A named file that does not exist is an error.
Result<std::vector<std::string>> select_compose_files(const std::vector<std::string>& files,
                                                      const Environment& env,
                                                      const std::string& working_dir,
                                                      const std::string& discovery_dir,
                                                      Warnings& warnings);

// `--env-file` files if any, else COMPOSE_ENV_FILES (comma-separated), else
// <project_dir>/.env when it exists and COMPOSE_DISABLE_ENV_FILE is not true.
// Absolute paths.
std::vector<std::string> select_env_files(const std::vector<std::string>& env_files,
                                          const Environment& env, const std::string& working_dir,
                                          const std::string& project_dir);

// Lower-case, keeps only [a-z0-9_-], drops leading '_' and '-' (Docker's rule for
// names derived from a directory).
std::string normalize_project_name(std::string_view name);

// An explicitly given name must already be valid.
Status check_project_name(std::string_view name);

}  // namespace pier::compose
