// `pier ps`: the project's containers from their records (the supervisor keeps them
// current), in Docker Compose's table or NDJSON shape.
#include <chrono>
#include <cstdio>

#include "app/format/listing.h"
#include "app/status_text.h"
#include "base/clock.h"
#include "cli/commands.h"
#include "cli/supervisor_link.h"
#include "state/container_record.h"

namespace pier::cli {
namespace {

struct PsFlags {
  bool all = false, quiet = false, services = false, no_trunc = false, orphans = true;
  std::vector<std::string> status, filter, names;
  std::string format = "table";
};

// The fields of a row: the keys of `--format json`, with the headers Compose's
// `table {{...}}` prints for them.
const app::format::Listing& ps_listing() {
  static const app::format::Listing listing{
      {{"Command", "COMMAND"}, {"CreatedAt", "CREATED AT"}, {"ExitCode", "EXIT CODE"}, {"Health", "HEALTH"},
       {"ID", "CONTAINER ID"}, {"Image", "IMAGE"}, {"Labels", "LABELS"}, {"LocalVolumes", "LOCAL VOLUMES"},
       {"Mounts", "MOUNTS"}, {"Name", "NAME"}, {"Names", "NAMES"}, {"Networks", "NETWORKS"}, {"Ports", "PORTS"},
       {"Project", "PROJECT"}, {"Publishers", "PUBLISHERS"}, {"RunningFor", "CREATED"}, {"Service", "SERVICE"},
       {"Size", "SIZE"}, {"State", "STATE"}, {"Status", "STATUS"}},
      "table {{.Name}}\\t{{.Image}}\\t{{.Command}}\\t{{.Service}}\\t{{.RunningFor}}\\t{{.Status}}\\t{{.Ports}}",
      10,
      false};
  return listing;
}

nlohmann::json ps_json(const state::ContainerRecord& r, int64_t now, bool no_trunc) {
  auto ports = app::publishers(r);
  nlohmann::json publishers = nlohmann::json::array();
  for (const auto& p : ports)
    publishers.push_back({{"URL", p.url}, {"TargetPort", p.target_port}, {"PublishedPort", p.published_port},
                          {"Protocol", p.protocol}});
  std::string labels, networks;
  for (const auto& [k, v] : r.labels) labels += (labels.empty() ? "" : ",") + k + "=" + v;
  for (const auto& e : r.endpoints) networks += (networks.empty() ? "" : ",") + r.project + "_" + e.network;
  return {{"Command", app::command_text(r.command, !no_trunc)},
          {"CreatedAt", app::created_at_text(r.created_at)},
          {"ExitCode", r.exit_code},
          {"Health", r.health},
          {"ID", no_trunc ? r.id : r.id.substr(0, 12)},
          {"Image", r.image},
          {"Labels", labels},
          {"LocalVolumes", "0"},
          {"Mounts", ""},
          {"Name", r.name},
          {"Names", r.name},
          {"Networks", networks},
          // Compose's ps has no such field; Docker shows it as inspect's State.OOMKilled.
          {"OOMKilled", r.oom_killed},
          {"Ports", app::ports_text(ports)},
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
  cmd->add_option("--format", f->format,
                  "Format the output: table, json, a Go template ('{{.Name}}') or 'table TEMPLATE'");
  cmd->add_flag("--orphans{true}", f->orphans,
                "Include orphaned services (not declared by project); --orphans=false leaves them out");
  cmd->add_option("services", f->names, "Services to list (default: all)");
  cmd->callback([f, &globals, &result] {
    if (auto st = app::format::check_format(f->format); !st) {
      result.exit_code = report(st.error());
      return;
    }
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
    if (auto st = check_services(*project, f->names); !st) {
      result.exit_code = report(st.error());
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
      if (!f->all && f->status.empty() && !state::is_up(r.state)) continue;
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
    std::vector<nlohmann::json> rows;
    for (const auto* r : shown) rows.push_back(ps_json(*r, now, f->no_trunc));
    if (auto st = app::format::print_listing(f->format, rows, ps_listing(), stdout); !st)
      result.exit_code = report(st.error());
  });
}

}  // namespace pier::cli
