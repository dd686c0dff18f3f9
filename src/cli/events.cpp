// `pier events`: container events of the project as they happen, until Ctrl-C.
#include <ctime>
#include <cstdio>

#include "cli/commands.h"
#include "cli/supervisor_link.h"

namespace pier::cli {

void register_events(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* cmd = app.add_subcommand("events", "Receive real time events from containers");
  auto json = std::make_shared<bool>(false);
  auto services = std::make_shared<std::vector<std::string>>();
  cmd->add_flag("--json", *json, "Output events as a stream of json objects");
  cmd->add_option("services", *services, "Services (default: all)");
  cmd->callback([json, services, &globals, &result] {
    auto project = resolve_project(globals, *services);
    if (!project) {
      result.exit_code = report(project.error());
      return;
    }
    auto client = supervisor_of(project->paths);
    if (!client) {
      result.exit_code = report(client.error());
      return;
    }
    if (auto st = client->send(supervisor::control::EventsRequest{}); !st) {
      result.exit_code = report(st.error());
      return;
    }
    for (;;) {
      auto line = client->next();
      if (!line || !*line) break;
      const auto* e = std::get_if<supervisor::control::ContainerEvent>(&**line);
      if (!e) continue;  // the subscription's own first line
      if (!services->empty() && std::find(services->begin(), services->end(), e->service) == services->end())
        continue;
      if (*json) {
        std::printf("%s\n", supervisor::control::to_json(*e).dump().c_str());
      } else {
        int64_t ns = e->time_ns;
        std::time_t t = static_cast<std::time_t>(ns / 1000000000);
        std::tm tm{};
        ::localtime_r(&t, &tm);
        char when[64];
        std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
        std::printf("%s.%06ld container %s %s (name=%s, service=%s)\n", when, static_cast<long>(ns % 1000000000 / 1000),
                    e->action.c_str(), e->id.c_str(), e->name.c_str(), e->service.c_str());
      }
      std::fflush(stdout);
    }
    result.exit_code = 0;
  });
}

}  // namespace pier::cli
