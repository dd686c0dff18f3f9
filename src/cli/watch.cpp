// `pier watch [SERVICE...]`: brings the services up (unless --no-up), then follows
// their develop.watch rules until Ctrl-C (the work is app/watch).
#include <cstdio>

#include "app/service_build.h"
#include "app/watch/watcher.h"
#include "cli/commands.h"
#include "cli/supervisor_link.h"
#include "supervisor/control/protocol.h"

namespace pier::cli {

void register_watch(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* cmd = app.add_subcommand("watch", "Watch build context for service and rebuild/refresh containers when files are updated");
  struct Flags {
    bool no_up = false, prune = false, quiet = false;
    std::vector<std::string> services;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_flag("--no-up", f->no_up, "Do not build & start services before watching");
  cmd->add_flag("--prune", f->prune, "Prune dangling images on rebuild");
  cmd->add_flag("--quiet", f->quiet, "Hide the Syncing and Rebuilding lines");
  cmd->add_option("services", f->services, "Services to watch (default: every service with develop.watch)");
  cmd->callback([f, &globals, &result] {
    auto project = resolve_project(globals, f->services);
    if (!project || !project->loaded) {
      result.exit_code = report(project ? Error("no configuration file provided: not found") : project.error());
      return;
    }
    const auto& model = project->loaded->project;
    auto rules = app::watch::watch_rules(model, f->services);
    if (!rules) {
      result.exit_code = report(rules.error());
      return;
    }
    auto source = source_of(globals, f->services);
    if (!f->no_up) {
      if (auto st = app::build_before_start(state_root(globals), model, f->services, false, false, false); !st) {
        result.exit_code = report(st.error());
        return;
      }
      supervisor::control::UpOptions options;
      options.services = f->services;
      if (auto st = call_supervisor(project->paths, supervisor::control::UpRequest{source, options}); !st) {
        result.exit_code = report(st.error());
        return;
      }
    }
    app::watch::WatchSession session{state_root(globals), project->paths, &model, source, f->quiet, f->prune};
    auto code = app::watch::run_watch(session, *rules);
    result.exit_code = code ? *code : report(code.error());
  });
}

}  // namespace pier::cli
