// `pier stats [SERVICE...]`: a live table of each container's CPU, memory, network, block
// I/O and processes, as `docker compose stats` shows it (app/stats.h figures the rows).
// On a terminal the table is redrawn in place every second; otherwise each round is
// printed after the last; `--no-stream` prints one round.
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <thread>

#include "app/format/listing.h"
#include "app/stats.h"
#include "cli/commands.h"
#include "cli/supervisor_link.h"
#include "base/strings.h"

namespace pier::cli {
namespace {

struct StatsFlags {
  bool all = false;
  bool no_stream = false;
  bool no_trunc = false;
  std::string format = "table";
  std::vector<std::string> services;
};

constexpr auto kInterval = std::chrono::seconds(1);

// Docker's stats fields, under the keys and headers docker/cli's stats formatter gives
// them: `table` (the default), `json`, or a Go template over these keys.
const app::format::Listing& stats_listing() {
  static const app::format::Listing listing{
      {{"Container", "CONTAINER"}, {"ID", "CONTAINER ID"}, {"Name", "NAME"}, {"CPUPerc", "CPU %"},
       {"MemUsage", "MEM USAGE / LIMIT"}, {"MemPerc", "MEM %"}, {"NetIO", "NET I/O"}, {"BlockIO", "BLOCK I/O"},
       {"PIDs", "PIDS"}},
      "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}",
      10,  // docker's formatter: tabwriter minwidth 10, padding 3
      false};
  return listing;
}

Result<std::string> render(const std::string& format, const std::vector<app::StatsRow>& rows) {
  std::vector<nlohmann::json> objects;
  for (const auto& r : rows)
    objects.push_back({{"BlockIO", r.block_io}, {"CPUPerc", r.cpu_perc}, {"Container", r.container},
                       {"ID", r.id},            {"MemPerc", r.mem_perc}, {"MemUsage", r.mem_usage},
                       {"Name", r.name},        {"NetIO", r.net_io},     {"PIDs", r.pids}});
  return app::format::render_listing(format, objects, stats_listing());
}

bool shown(const state::ContainerRecord& r, const StatsFlags& f) {
  if (!f.services.empty() && std::find(f.services.begin(), f.services.end(), r.service) == f.services.end())
    return false;
  return f.all || r.state == state::ContainerState::running || r.state == state::ContainerState::paused;
}

// On a terminal: home, each line cleared to its end, the rest of the screen cleared, so
// the table is redrawn in place without flicker.
void draw(const std::string& text, bool in_place) {
  if (!in_place) {
    std::fputs(text.c_str(), stdout);
  } else {
    std::string frame = "\033[H";
    for (const auto& line : split(text, '\n'))
      if (!line.empty()) frame += line + "\033[K\n";
    frame += "\033[J";
    std::fputs(frame.c_str(), stdout);
  }
  std::fflush(stdout);
}

Status show_stats(const GlobalOptions& globals, const StatsFlags& f) {
  PIER_TRY(auto project, resolve_project(globals, f.services));
  PIER_CHECK(check_services(project, f.services));
  PIER_CHECK(app::format::check_format(f.format));  // a bad --format fails before the first second passes
  PIER_TRY(auto records, current_records(project.paths));
  const app::HostFacts host = app::host_facts();
  const bool in_place = !f.no_stream && ::isatty(STDOUT_FILENO);
  if (in_place) std::fputs("\033[2J", stdout);
  std::map<std::string, app::StatsSample> previous;
  for (auto& r : records)
    if (shown(r, f)) previous[r.id] = app::sample_container(r);
  for (;;) {
    std::this_thread::sleep_for(kInterval);
    PIER_TRY(records, state::RecordStore(project.paths.records_dir()).list());
    std::vector<app::StatsRow> rows;
    std::map<std::string, app::StatsSample> now;
    for (const auto& r : records) {
      if (!shown(r, f)) continue;
      auto sample = app::sample_container(r);
      auto before = previous.find(r.id);
      rows.push_back(app::stats_row(r, before == previous.end() ? nullptr : &before->second, sample, host, f.no_trunc));
      now[r.id] = sample;
    }
    previous = std::move(now);
    PIER_TRY(std::string text, render(f.format, rows));
    draw(text, in_place);
    if (f.no_stream) return {};
  }
}

}  // namespace

void register_stats(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* cmd = app.add_subcommand("stats", "Display a live stream of container(s) resource usage statistics");
  auto f = std::make_shared<StatsFlags>();
  cmd->add_flag("-a,--all", f->all, "Show all containers (default shows just running)");
  cmd->add_flag("--no-stream", f->no_stream, "Disable streaming stats and only pull the first result");
  cmd->add_flag("--no-trunc", f->no_trunc, "Do not truncate output");
  cmd->add_option("--format", f->format,
                  "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or a Go template "
                  "such as '{{.Name}} {{.CPUPerc}}'");
  cmd->add_option("services", f->services, "Services (default: all)");
  cmd->callback([f, &globals, &result] {
    auto st = show_stats(globals, *f);
    result.exit_code = st ? 0 : report(st.error());
  });
}

}  // namespace pier::cli
