// `pier scale SERVICE=NUM...`: `up -d` of those services at those replica counts,
// recreating nothing that is up to date, as `docker compose scale`.
#include <cstdio>

#include "app/terminal.h"
#include "cli/commands.h"
#include "cli/scale_spec.h"
#include "cli/supervisor_link.h"
#include "supervisor/control/protocol.h"

namespace pier::cli {

void register_scale(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* cmd = app.add_subcommand("scale", "Scale services");
  auto no_deps = std::make_shared<bool>(false);
  auto specs = std::make_shared<std::vector<std::string>>();
  cmd->add_flag("--no-deps", *no_deps, "Don't start linked services");
  cmd->add_option("SERVICE=REPLICAS", *specs, "Services and their replica counts")->required();
  cmd->callback([no_deps, specs, &globals, &result] {
    auto scale = parse_scale(*specs, "scale");
    if (!scale) {
      result.exit_code = report(scale.error());
      return;
    }
    std::vector<std::string> services;
    for (const auto& [name, count] : *scale) services.push_back(name);
    auto project = resolve_project(globals, services);
    if (!project || !project->loaded) {
      result.exit_code = report(project ? Error("no configuration file provided: not found") : project.error());
      return;
    }
    for (const auto& name : services)
      if (!project->loaded->project.find_service(name)) {
        result.exit_code = report(Error("scale: no such service: " + name));
        return;
      }
    supervisor::control::UpOptions options;
    options.services = services;
    options.scale = *scale;
    options.no_deps = *no_deps;
    options.ignore_orphans = app::env_flag("COMPOSE_IGNORE_ORPHANS");
    supervisor::control::UpRequest request{source_of(globals, services), options};
    auto st = call_supervisor(project->paths, request);
    result.exit_code = st ? 0 : report(st.error());
  });
}

}  // namespace pier::cli
