// `pier volumes [SERVICE...]`: the project's named volumes, as `docker compose volumes`
// prints them (Docker's `volume ls` table, or one JSON object a line).
#include <cstdio>

#include <nlohmann/json.hpp>

#include "app/project_volumes.h"
#include "cli/commands.h"
#include "cli/supervisor_link.h"
#include "cli/table.h"

namespace pier::cli {

void register_volumes(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* cmd = app.add_subcommand("volumes", "List volumes");
  auto quiet = std::make_shared<bool>(false);
  auto format = std::make_shared<std::string>("table");
  auto services = std::make_shared<std::vector<std::string>>();
  cmd->add_flag("-q,--quiet", *quiet, "Only display volume names");
  cmd->add_option("--format", *format, "Format output using a custom template: 'table' or 'json'")
      ->check(CLI::IsMember({"table", "json"}));
  cmd->add_option("services", *services, "Services whose volumes to list (default: all)");
  cmd->callback([quiet, format, services, &globals, &result] {
    auto project = resolve_project(globals, *services);
    if (!project) {
      result.exit_code = report(project.error());
      return;
    }
    if (!project->loaded) {
      result.exit_code = report(Error("volumes: no configuration file provided: not found")
                                    .hint("pier knows a project's volumes from its compose file: run it where the "
                                          "file is, or pass -f"));
      return;
    }
    auto volumes = app::project_volumes(project->loaded->project, project->paths, *services);
    if (!volumes) {
      result.exit_code = report(volumes.error());
      return;
    }
    result.exit_code = 0;
    if (*quiet) {
      for (const auto& v : *volumes) std::printf("%s\n", v.name.c_str());
      return;
    }
    if (*format == "json") {
      // The keys of Docker's `volume ls --format json`.
      for (const auto& v : *volumes) {
        std::string labels = "com.docker.compose.project=" + project->name + ",com.docker.compose.volume=" +
                             v.service_key;
        nlohmann::json line = {{"Availability", "N/A"}, {"Driver", "local"}, {"Group", "N/A"},
                               {"Labels", labels},      {"Links", "N/A"},    {"Mountpoint", v.mountpoint},
                               {"Name", v.name},        {"Scope", "local"},  {"Size", "N/A"},
                               {"Status", "N/A"}};
        std::printf("%s\n", line.dump().c_str());
      }
      return;
    }
    Table table({"DRIVER", "VOLUME NAME"});
    for (const auto& v : *volumes) table.add({"local", v.name});
    table.print(stdout);
  });
}

}  // namespace pier::cli
