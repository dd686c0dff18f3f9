// `pier top [SERVICE...]`: the processes of each running container, read from its
// cgroup, as `docker compose top` prints them (the container's name, then ps -ef).
#include <cstdio>

#include "cli/commands.h"
#include "cli/supervisor_link.h"
#include "cli/table.h"
#include "runtime/ps/process_table.h"
#include "state/container_record.h"

namespace pier::cli {
namespace {

bool wanted(const state::ContainerRecord& r, const std::vector<std::string>& services) {
  if (r.state != state::ContainerState::running && r.state != state::ContainerState::paused) return false;
  return services.empty() || std::find(services.begin(), services.end(), r.service) != services.end();
}

Status print_top(const GlobalOptions& globals, const std::vector<std::string>& services) {
  PIER_TRY(auto project, resolve_project(globals, services));
  if (project.loaded)
    for (const auto& name : services)
      if (!project.loaded->project.find_service(name)) return Error("no such service: " + name);
  PIER_TRY(auto records, state::RecordStore(project.paths.records_dir()).list());
  for (const auto& r : records) {
    if (!wanted(r, services) || !state::process_matches(r.pid, r.pid_start_time)) continue;
    auto pids = runtime::container_pids(r.cgroup, r.pid);
    if (!pids) return std::move(pids).error().context("listing the processes of " + r.name);
    Table table(runtime::kPsTitles);
    table.set_min_width(5);  // docker's tabwriter: minwidth 5, padding 3
    for (auto& row : runtime::ps_rows(*pids))
      table.add({row.uid, row.pid, row.ppid, row.c, row.stime, row.tty, row.time, row.cmd});
    std::printf("%s\n", r.name.c_str());
    table.print(stdout);
    std::printf("\n");
  }
  return {};
}

}  // namespace

void register_top(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* cmd = app.add_subcommand("top", "Display the running processes");
  auto services = std::make_shared<std::vector<std::string>>();
  cmd->add_option("services", *services, "Services (default: all)");
  cmd->callback([services, &globals, &result] {
    auto st = print_top(globals, *services);
    result.exit_code = st ? 0 : report(st.error());
  });
}

}  // namespace pier::cli
