// One function per subcommand registers its flags and handler (one file each).
#pragma once

#include <CLI/CLI.hpp>

#include "cli/global_options.h"

namespace pier::cli {

// The handler's exit code is stored here by the command that ran.
struct CommandResult {
  int exit_code = 0;
};

void register_config(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void register_version(CLI::App& app, CommandResult& result);
void register_image(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void register_up(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void register_ps(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void register_lifecycle(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
// `command`: the words after SERVICE (command_line.h), filled in before the parse.
void register_run(CLI::App& app, const GlobalOptions& globals, const std::vector<std::string>& command,
                  CommandResult& result);
void register_exec(CLI::App& app, const GlobalOptions& globals, const std::vector<std::string>& command,
                   CommandResult& result);
void register_ls(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void register_events(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void register_supervise(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void register_logs(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void register_port(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void register_top(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void register_wait(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void register_images(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void register_pull(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void register_build(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void register_cp(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void register_stats(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void register_export(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void register_commit(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void register_attach(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void register_convert(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void register_scale(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void register_volumes(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void register_push(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void register_login(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void register_logout(CLI::App& app, CommandResult& result);
void register_watch(CLI::App& app, const GlobalOptions& globals, CommandResult& result);

}  // namespace pier::cli
