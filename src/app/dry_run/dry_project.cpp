#include "app/dry_run/dry_project.h"

#include <algorithm>
#include <set>

#include "base/atomic_file.h"
#include "graph/from_project.h"

namespace pier::app::dry_run {
namespace {

// A process that is gone: the supervisor that recorded it died with it, or before it.
void settle(state::ContainerRecord& r) {
  bool live_state = r.state == state::ContainerState::running || r.state == state::ContainerState::paused;
  if (live_state && !state::process_matches(r.pid, r.pid_start_time)) r.state = state::ContainerState::exited;
}

// The source the supervisor saved with its last `up`; none when it left none or its files
// no longer load (the supervisor then orders by what it holds; the dry run by name).
std::optional<supervisor::LoadedProject> saved_project(const state::ProjectPaths& paths) {
  auto text = read_file(paths.project_source_file());
  if (!text) return std::nullopt;
  auto json = nlohmann::json::parse(*text, nullptr, false);
  if (json.is_discarded()) return std::nullopt;
  auto source = supervisor::source_from_json(json);
  if (!source) return std::nullopt;
  auto loaded = supervisor::load_project(*source);
  if (!loaded) return std::nullopt;
  return std::move(*loaded);
}

}  // namespace

std::vector<const state::ContainerRecord*> DryProject::select(const std::vector<std::string>& services) const {
  std::vector<const state::ContainerRecord*> out;
  for (const auto& r : records)
    if (services.empty() || std::find(services.begin(), services.end(), r.service) != services.end()) out.push_back(&r);
  return out;
}

Result<DryProject> read_project(const state::ProjectPaths& paths, const supervisor::ProjectSource* source) {
  DryProject out{paths, {}, {}, std::nullopt};
  PIER_TRY(auto scan, state::RecordStore(paths.records_dir()).scan());
  out.records = std::move(scan.records);
  out.unreadable = std::move(scan.unreadable);
  for (auto& r : out.records) settle(r);
  std::sort(out.records.begin(), out.records.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  if (source) {
    PIER_TRY(auto loaded, supervisor::load_project(*source));
    out.loaded = std::move(loaded);
  } else {
    out.loaded = saved_project(paths);
  }
  return out;
}

bool stoppable(const state::ContainerRecord& r) {
  return state::is_up(r.state);
}

std::vector<std::vector<const state::ContainerRecord*>> in_waves(const compose::Project* project,
                                                                 std::vector<const state::ContainerRecord*> containers,
                                                                 bool reverse) {
  std::vector<std::vector<const state::ContainerRecord*>> waves;
  std::set<const state::ContainerRecord*> placed;
  if (project)
    if (auto deps = graph::from_project(*project); deps.ok())
      if (auto order = reverse ? deps->stop_waves() : deps->start_waves(); order.ok())
        for (const auto& wave : *order) {
          waves.emplace_back();
          for (const auto* c : containers)
            if (std::find(wave.begin(), wave.end(), c->service) != wave.end() && placed.insert(c).second)
              waves.back().push_back(c);
        }
  std::vector<const state::ContainerRecord*> rest;
  for (const auto* c : containers)
    if (!placed.count(c)) rest.push_back(c);
  if (reverse) waves.insert(waves.begin(), std::move(rest));
  else waves.push_back(std::move(rest));
  return waves;
}

// Stopping/Stopped (or Restarting/Restarted) wave by wave, for what runs.
void announce_stops(const DryProject& p, const std::vector<const state::ContainerRecord*>& targets, const std::string& verb, ProgressView& view) {
  std::string past = verb == "Stopp" ? "Stopped" : verb + "ed";
  for (const auto& wave : in_waves(p.project(), targets, true)) {
    for (const auto* c : wave)
      if (stoppable(*c)) view.event("Container " + c->name, verb + "ing");
    for (const auto* c : wave)
      if (stoppable(*c)) view.event("Container " + c->name, past);
  }
}

void announce_starts(const DryProject& p, const std::vector<const state::ContainerRecord*>& targets, bool announce, ProgressView& view) {
  for (const auto& wave : in_waves(p.project(), targets, false)) {
    if (announce)
      for (const auto* c : wave) view.event("Container " + c->name, "Starting");
    for (const auto* c : wave) view.event("Container " + c->name, "Started");
  }
}

void announce_removals(const DryProject& p, const std::vector<const state::ContainerRecord*>& targets, ProgressView& view) {
  announce_stops(p, targets, "Stopp", view);
  for (const auto* c : targets) view.event("Container " + c->name, "Removed");
}

}  // namespace pier::app::dry_run
