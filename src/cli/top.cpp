// `pier top [SERVICE...]`: the processes of each running container, read from its
// cgroup, in the one table `docker compose top` prints since 2.34.
#include <cstdio>

#include "app/format/listing.h"
#include "cli/commands.h"
#include "cli/supervisor_link.h"
#include "runtime/ps/process_table.h"
#include "state/container_record.h"

namespace pier::cli {
namespace {

bool wanted(const state::ContainerRecord& r, const std::vector<std::string>& services) {
  if (r.state != state::ContainerState::running && r.state != state::ContainerState::paused) return false;
  return services.empty() || std::find(services.begin(), services.end(), r.service) != services.end();
}

// Compose 2.34+: one table for all containers, sorted by container name, SERVICE and
// the replica number (`#`) before ps's columns; nothing at all when nothing runs.
Status print_top(const GlobalOptions& globals, const std::vector<std::string>& services) {
  PIER_TRY(auto project, resolve_project(globals, services));
  if (project.loaded)
    for (const auto& name : services)
      if (!project.loaded->project.find_service(name)) return Error("no such service: " + name);
  PIER_TRY(auto records, state::RecordStore(project.paths.records_dir()).list());
  std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  std::string text = "SERVICE\t#";
  for (const auto& title : runtime::kPsTitles) text += "\t" + title;
  text += "\n";
  bool any = false;
  for (const auto& r : records) {
    if (!wanted(r, services) || !state::process_matches(r.pid, r.pid_start_time)) continue;
    auto pids = runtime::container_pids(r.cgroup, r.pid);
    if (!pids) return std::move(pids).error().context("listing the processes of " + r.name);
    for (auto& row : runtime::ps_rows(*pids)) {
      for (const auto& cell : {r.service, std::to_string(r.number), row.uid, row.pid, row.ppid, row.c, row.stime,
                               row.tty, row.time})
        text += cell + "\t";
      text += row.cmd + "\n";
      any = true;
    }
  }
  if (any) std::fputs(app::format::tab_align(text, 4, 2).c_str(), stdout);  // Compose: minwidth 4, padding 2
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
