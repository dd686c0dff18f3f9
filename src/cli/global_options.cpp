#include "cli/global_options.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string_view>

#include "app/terminal.h"
#include "state/paths.h"

namespace pier::cli {

void add_global_flags(CLI::App& app, GlobalOptions& o) {
  app.add_option("-f,--file", o.files,
                 "Compose configuration file (repeatable; default: compose.yaml, "
                 "docker-compose.yml, ... found in this directory or a parent; env COMPOSE_FILE)")
      ->type_name("FILE")
      ->allow_extra_args(false);
  app.add_option("-p,--project-name", o.project_name,
                 "Project name (default: COMPOSE_PROJECT_NAME, the `name:` key, or the "
                 "project directory's name)")
      ->type_name("NAME");
  app.add_option("--project-directory", o.project_directory,
                 "Base directory for relative paths (default: the first compose file's directory)")
      ->type_name("DIR");
  app.add_option("--env-file", o.env_files,
                 "Environment file for interpolation (repeatable; default: .env in the project "
                 "directory; env COMPOSE_ENV_FILES)")
      ->type_name("FILE")
      ->allow_extra_args(false);
  app.add_option("--profile", o.profiles,
                 "Enable services of this profile (repeatable; env COMPOSE_PROFILES)")
      ->type_name("PROFILE")
      ->allow_extra_args(false);
  app.add_option("--root", o.root,
                 "Directory for images, volumes and logs (default /var/lib/pier, or ~/.local/share/pier "
                 "for a user; env PIER_ROOT)")
      ->type_name("DIR");
  app.add_option("--log-level", o.log_level, "Log level: debug, info, warn, error")
      ->type_name("LEVEL");
  app.add_option("--ansi", o.ansi, "Control when to print ANSI control characters: never, always, auto (env COMPOSE_ANSI)")
      ->type_name("WHEN");
  app.add_flag("--no-ansi", o.no_ansi, "Same as --ansi never")->group("");
  app.add_option("--progress", o.progress,
                 "Type of progress output: auto, tty, plain, json, quiet (env COMPOSE_PROGRESS)")
      ->type_name("MODE");
  app.add_option("--parallel", o.parallel,
                 "Control max parallelism, -1 for unlimited (env COMPOSE_PARALLEL_LIMIT)")
      ->type_name("N");
  app.add_flag("--dry-run", o.dry_run, "Execute command in dry run mode");
  app.add_flag("--compatibility", o.compatibility, "Run compose in backward compatibility mode (not supported)");
  app.add_flag("--all-resources", o.all_resources, "Include all resources, even those not used by services");
}

namespace {

// --dry-run: the commands that change the project print what they would do
// (app/dry_run/); those that only read run as usual, as under Docker Compose. The rest
// act on containers, files or credentials in ways a dry run cannot show: refused, so
// the flag never lets a command act.
constexpr std::string_view kDryRunCommands[] = {
    "up",   "down", "create", "start", "stop",   "restart", "kill", "rm",   "pause",   "unpause", "pull",  "build",
    "scale", "ps",  "ls",     "logs",  "config", "images",  "top",  "port", "version", "events",  "stats", "volumes", "help"};

Status check_dry_run(const std::string& command) {
  if (command.empty()) return {};
  for (auto known : kDryRunCommands)
    if (command == known) return {};
  return Error("`pier " + command + "` has no dry run: --dry-run is refused rather than ignored")
      .hint("leave --dry-run out to run it");
}

}  // namespace

Status apply_global_flags(const GlobalOptions& o, const std::string& command) {
  if (o.dry_run) PIER_CHECK(check_dry_run(command));
  if (o.compatibility || app::env_flag("COMPOSE_COMPATIBILITY"))
    return Error("--compatibility (COMPOSE_COMPATIBILITY) is not supported")
        .hint("pier names containers project-service-1, as Docker Compose v2 does, never project_service_1");
  app::TerminalFlags flags;
  flags.ansi = o.ansi;
  flags.no_ansi = o.no_ansi;
  flags.progress = o.progress;
  flags.parallel = o.parallel;
  flags.dry_run = o.dry_run;
  PIER_TRY(auto terminal, app::terminal_options(flags));
  app::set_terminal(terminal);
  return {};
}

compose::LoadOptions to_load_options(const GlobalOptions& o) {
  compose::LoadOptions load;
  load.files = o.files;
  load.project_name = o.project_name;
  load.project_directory = o.project_directory;
  load.env_files = o.env_files;
  load.environment = compose::process_environment();
  std::error_code ec;
  load.working_directory = std::filesystem::current_path(ec).string();
  return load;
}

std::string state_root(const GlobalOptions& o) {
  if (!o.root.empty()) return o.root;
  if (const char* env = std::getenv("PIER_ROOT"); env && *env) return env;
  return state::default_root();
}

}  // namespace pier::cli
