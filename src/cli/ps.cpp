// `pier ps`: the project's containers from their records (the supervisor keeps them
// current), in Docker Compose's table or NDJSON shape.
#include <chrono>
#include <cstdio>

#include "app/status_text.h"
#include "base/clock.h"
#include "cli/commands.h"
#include "cli/supervisor_link.h"
#include "cli/table.h"
#include "state/container_record.h"

namespace pier::cli {
namespace {

struct PsFlags {
  bool all = false, quiet = false, services = false, no_trunc = false, orphans = true;
  std::vector<std::string> status, filter, names;
  std::string format = "table";
};

nlohmann::json ps_json(const state::ContainerRecord& r, int64_t now) {
  nlohmann::json publishers = nlohmann::json::array();
  for (const auto& p : r.ports)
    publishers.push_back({{"URL", p.host_ip}, {"TargetPort", p.container_port}, {"PublishedPort", p.host_port},
                          {"Protocol", p.protocol}});
  std::string labels, networks;
  for (const auto& [k, v] : r.labels) labels += (labels.empty() ? "" : ",") + k + "=" + v;
  for (const auto& e : r.endpoints) networks += (networks.empty() ? "" : ",") + r.project + "_" + e.network;
  return {{"Command", r.command},
          {"CreatedAt", app::created_at_text(r.created_at)},
          {"ExitCode", r.exit_code},
          {"Health", r.health},
          {"ID", r.id.substr(0, 12)},
          {"Image", r.image},
          {"Labels", labels},
          {"LocalVolumes", "0"},
          {"Mounts", ""},
          {"Name", r.name},
          {"Names", r.name},
          {"Networks", networks},
          // Compose's ps has no such field; Docker shows it as inspect's State.OOMKilled.
          {"OOMKilled", r.oom_killed},
          {"Project", r.project},
          {"Publishers", publishers},
          {"RunningFor", app::human_duration((now - r.created_at) / 1000000000) + " ago"},
          {"Service", r.service},
          {"Size", "0B"},
          {"State", state::to_string(r.state)},
          {"Status", app::status_text(r, now)}};
}

bool state_matches(const state::ContainerRecord& r, const std::vector<std::string>& statuses) {
  if (statuses.empty()) return true;
  for (const auto& s : statuses)
    if (s == state::to_string(r.state)) return true;
  return false;
}

}  // namespace

void register_ps(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* cmd = app.add_subcommand("ps", "List containers");
  auto f = std::make_shared<PsFlags>();
  cmd->add_flag("-a,--all", f->all, "Show all stopped containers (including those created by the run command)");
  cmd->add_flag("-q,--quiet", f->quiet, "Only display IDs");
  cmd->add_flag("--services", f->services, "Display services");
  cmd->add_flag("--no-trunc", f->no_trunc, "Don't truncate output");
  cmd->add_option("--status", f->status, "Filter services by status: created, restarting, running, removing, paused, exited, dead")
      ->allow_extra_args(false)
      ->check(CLI::IsMember({"created", "restarting", "running", "removing", "paused", "exited", "dead"}));
  cmd->add_option("--filter", f->filter, "Filter services by a property (status=running)")->allow_extra_args(false);
  cmd->add_option("--format", f->format, "Format the output: table or json")->check(CLI::IsMember({"table", "json"}));
  cmd->add_flag("--orphans{true}", f->orphans,
                "Include orphaned services (not declared by project); --orphans=false leaves them out");
  cmd->add_option("services", f->names, "Services to list (default: all)");
  cmd->callback([f, &globals, &result] {
    auto project = resolve_project(globals, {});
    if (!project) {
      result.exit_code = report(project.error());
      return;
    }
    for (const auto& filter : f->filter) {
      auto eq = filter.find('=');
      if (eq == std::string::npos || filter.substr(0, eq) != "status") {
        result.exit_code = report(Error("--filter `" + filter + "`: only status=<state> is supported"));
        return;
      }
      f->status.push_back(filter.substr(eq + 1));
    }
    if (project->loaded)
      for (const auto& name : f->names)
        if (!project->loaded->project.find_service(name)) {
          result.exit_code = report(Error("no such service: " + name));
          return;
        }
    auto records = current_records(project->paths);
    if (!records) {
      result.exit_code = report(records.error());
      return;
    }
    int64_t now = unix_time_ns();
    std::vector<const state::ContainerRecord*> shown;
    for (const auto& r : *records) {
      if (!f->names.empty() && std::find(f->names.begin(), f->names.end(), r.service) == f->names.end()) continue;
      if (!f->orphans && project->loaded && !r.oneoff && !project->loaded->project.services.count(r.service)) continue;
      if (!f->all && f->status.empty() && r.state != state::ContainerState::running &&
          r.state != state::ContainerState::restarting && r.state != state::ContainerState::paused)
        continue;
      if (!f->all && r.oneoff && r.state != state::ContainerState::running) continue;
      if (!state_matches(r, f->status)) continue;
      shown.push_back(&r);
    }
    result.exit_code = 0;
    if (f->services) {
      std::set<std::string> seen;
      for (const auto* r : shown)
        if (seen.insert(r->service).second) std::printf("%s\n", r->service.c_str());
      return;
    }
    if (f->quiet) {
      for (const auto* r : shown) std::printf("%s\n", f->no_trunc ? r->id.c_str() : r->id.substr(0, 12).c_str());
      return;
    }
    if (f->format == "json") {
      for (const auto* r : shown) std::printf("%s\n", ps_json(*r, now).dump().c_str());
      return;
    }
    Table table({"NAME", "IMAGE", "COMMAND", "SERVICE", "CREATED", "STATUS", "PORTS"});
    for (const auto* r : shown) {
      std::string command = r->command;
      if (!f->no_trunc && command.size() > 22) command = command.substr(0, 19) + "…\"";
      table.add({r->name, r->image, command, r->service,
                 app::human_duration((now - r->created_at) / 1000000000) + " ago",
                 app::status_text(*r, now), app::ports_text(r->ports)});
    }
    table.print(stdout);
  });
}

}  // namespace pier::cli
