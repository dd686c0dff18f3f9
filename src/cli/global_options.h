// The flags every pier command shares, named as Docker Compose names them.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "compose/loader.h"

namespace pier::cli {

struct GlobalOptions {
  std::vector<std::string> files;
  std::string project_name;
  std::string project_directory;
  std::vector<std::string> env_files;
  std::vector<std::string> profiles;
  std::string root;       // --root / PIER_ROOT: images, volumes, logs (default: state::default_root())
  std::string log_level;  // --log-level
  // --ansi, --no-ansi, --progress, --parallel, --dry-run (app/terminal.h).
  std::string ansi, progress;
  bool no_ansi = false, dry_run = false;
  std::optional<int> parallel;
  bool compatibility = false, all_resources = false;
};

void add_global_flags(CLI::App& app, GlobalOptions& options);

// After parsing: the terminal settings (app::set_terminal) from the flags and COMPOSE_*
// variables; an error names the flag or variable that is wrong. `command`: the
// subcommand given ("" for none), which --dry-run must know how to run dry.
Status apply_global_flags(const GlobalOptions& options, const std::string& command);

// The options stage 1 of loading needs, from the flags and the process environment.
compose::LoadOptions to_load_options(const GlobalOptions& options);

// --root, else PIER_ROOT, else state::default_root() (/var/lib/pier, or the user's
// data directory when rootless).
std::string state_root(const GlobalOptions& options);

}  // namespace pier::cli
