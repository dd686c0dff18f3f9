// pier: a Compose-compatible orchestrator. The CLI only parses flags and calls
// one library function per command (cli/<command>.cpp).
#include <CLI/CLI.hpp>

#include <cstdio>

#include "base/log.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/plugin.h"
#include "cli/process_start.h"
#include "cli/version_info.h"

int main(int argc, char** argv) {
  using namespace pier::cli;
  if (!start_pier_process()) return 1;
  if (auto metadata = plugin_metadata(argc, argv)) {
    std::printf("%s\n", metadata->c_str());
    return 0;
  }
  const std::vector<const char*> args = plugin_argv(argc, argv);
  CLI::App app{"pier: run Compose projects without a daemon.\n"
               "Reads the compose.yaml or docker-compose.yml you already have.",
               "pier"};
  app.set_version_flag("-v,--version", std::string("pier version ") + PIER_VERSION);
  app.require_subcommand(0, 1);
  app.fallthrough();  // global flags may also follow the command: `pier config -f x.yml`
  app.footer("Run 'pier COMMAND --help' for more information on a command.");

  GlobalOptions globals;
  CommandResult result;
  CommandLine line;
  add_global_flags(app, globals);
  register_config(app, globals, result);
  register_image(app, globals, result);
  register_up(app, globals, result);
  register_lifecycle(app, globals, result);
  register_ps(app, globals, result);
  register_exec(app, globals, line.command, result);
  register_run(app, globals, line.command, result);
  register_ls(app, globals, result);
  register_events(app, globals, result);
  register_supervise(app, globals, result);
  register_logs(app, globals, result);
  register_port(app, globals, result);
  register_top(app, globals, result);
  register_wait(app, globals, result);
  register_images(app, globals, result);
  register_pull(app, globals, result);
  register_build(app, globals, result);
  register_cp(app, globals, result);
  register_stats(app, globals, result);
  register_export(app, globals, result);
  register_commit(app, globals, result);
  register_attach(app, globals, result);
  register_convert(app, globals, result);
  register_scale(app, globals, result);
  register_volumes(app, globals, result);
  register_push(app, globals, result);
  register_login(app, globals, result);
  register_logout(app, result);
  register_watch(app, globals, result);
  register_version(app, result);
  for (auto* sub : app.get_subcommands({})) sub->fallthrough();

  app.parse_complete_callback([&] {
    std::string command = app.get_subcommands().empty() ? "" : app.get_subcommands().front()->get_name();
    if (auto st = apply_global_flags(globals, command); !st) throw CLI::ValidationError(st.error().to_string());
    if (globals.log_level.empty()) return;
    pier::log::Level level;
    if (!pier::log::parse_level(globals.log_level, level))
      throw CLI::ValidationError("--log-level", "unknown level `" + globals.log_level +
                                                    "` (use debug, info, warn or error)");
    pier::log::set_level(level);
  });

  auto read = read_command_line(app, static_cast<int>(args.size()), args.data());
  if (!read) {
    std::fprintf(stderr, "error: %s\nRun 'pier --help' for usage.\n", read.error().to_string().c_str());
    return 1;
  }
  line = std::move(*read);
  try {
    std::vector<std::string> reversed(line.args.rbegin(), line.args.rend());  // CLI11 reads from the back
    app.parse(reversed);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "error: %s\nRun 'pier --help' for usage.\n", e.what());
    return 1;
  }
  if (app.get_subcommands().empty()) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  }
  return result.exit_code;
}
