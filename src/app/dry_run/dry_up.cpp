#include "app/dry_run/dry_up.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <map>

#include "app/dry_run/dry_images.h"
#include "app/service_build.h"
#include "graph/from_project.h"
#include "image/pull_policy.h"
#include "image/store/store.h"
#include "supervisor/up_decisions.h"

namespace pier::app::dry_run {
namespace {

using supervisor::control::UpOptions;

std::string image_id(const std::optional<image::Store>& store, const std::string& ref) {
  if (!store) return "";
  auto record = store->find(ref);
  return record ? record->id : "";
}

std::string network_name(const compose::Project& project, const std::string& key) {
  auto it = project.networks.find(key);
  return it == project.networks.end() || it->second.name.empty() ? project.name + "_" + key : it->second.name;
}

// The bridge networks the targets join, as the supervisor's ensure_networks picks them;
// one exists while a container of the project is recorded on it. One made anew
// (`changed`) is announced when it is, after the containers on it went.
void announce_networks(const DryProject& p, const std::vector<std::string>& targets,
                       const std::set<std::string>& changed, ProgressView& view) {
  const auto& project = *p.project();
  for (const auto& [key, config] : project.networks) {
    bool joined = std::any_of(targets.begin(), targets.end(), [&](const std::string& target) {
      return supervisor::attaches_to(*project.find_service(target), {key});
    });
    if (!joined || config.external || changed.count(key)) continue;
    bool exists = std::any_of(p.records.begin(), p.records.end(), [&](const auto& r) {
      return std::any_of(r.endpoints.begin(), r.endpoints.end(), [&](const auto& e) { return e.network == key; });
    });
    if (exists) continue;
    view.event("Network " + network_name(project, key), "Creating");
    view.event("Network " + network_name(project, key), "Created");
  }
}

// Whether the recorded container is on a network `up` makes anew (UpRun::on_changed_network).
bool on_changed_network(const compose::Project& project, const state::ContainerRecord& r,
                        const std::set<std::string>& changed) {
  if (changed.empty()) return false;
  for (const auto& ep : r.endpoints)
    if (changed.count(ep.network)) return true;
  const auto* service = project.find_service(r.service);
  return service && supervisor::attaches_to(*service, changed);
}

// Named volumes of the targets that have no directory under <root>/volumes yet.
void announce_volumes(const DryProject& p, const std::vector<std::string>& targets, ProgressView& view) {
  const auto& project = *p.project();
  std::set<std::string> seen;
  for (const auto& name : targets)
    for (const auto& mount : project.find_service(name)->volumes) {
      auto it = project.volumes.find(mount.source);
      if (mount.type != "volume" || it == project.volumes.end() || it->second.external) continue;
      if (!seen.insert(it->second.name).second) continue;
      auto dir = p.paths.volume_root(it->second.name);
      std::error_code ec;
      if (!dir || std::filesystem::exists(*dir, ec)) continue;
      view.event("Volume " + it->second.name, "Creating");
      view.event("Volume " + it->second.name, "Created");
    }
}

// Each target's image id once `up` resolved it: the store's, or "" for one it would pull
// (a container of an image pulled anew is recreated). Pulling/Pulled as the real run.
Result<std::map<std::string, std::string>> resolve_images(const DryProject& p, const std::vector<std::string>& targets,
                                                          const UpOptions& options, const std::set<std::string>& built,
                                                          ProgressView& view) {
  const auto& project = *p.project();
  auto store = existing_store(p.paths.root);
  std::map<std::string, std::string> ids;
  std::set<std::string> announced;
  for (const auto& name : targets) {
    const auto& service = *project.find_service(name);
    std::string ref = service.image_or_default(project.name);
    auto policy = supervisor::up_pull_policy(service, options);
    if (!policy) return std::move(policy).error().context("service " + name);
    bool present = !image_id(store, ref).empty();
    if (policy->kind == image::PullPolicy::Kind::build && !present && !built.count(name))
      return Error("service " + name + ": image `" + ref + "` must be built and is not in the store")
          .hint("run `pier build " + name + "` or `pier up --build` (not --no-build)");
    bool will_pull = !present && !built.count(name) && policy->kind != image::PullPolicy::Kind::never &&
                     policy->kind != image::PullPolicy::Kind::build;
    if (will_pull && !options.quiet_pull && announced.insert(ref).second) {
      view.event("Image " + ref, "Pulling");
      view.event("Image " + ref, "Pulled");
    }
    ids[name] = image_id(store, ref);
  }
  return ids;
}

std::vector<supervisor::ExistingContainer> existing_of(const DryProject& p, const std::set<std::string>& changed) {
  std::vector<supervisor::ExistingContainer> out;
  for (const auto& r : p.records)
    out.push_back({r.name, r.service, r.number, r.oneoff, r.config_hash, r.image_id, r.sources_digest, r.volumes_hash,
                   on_changed_network(*p.project(), r, changed)});
  return out;
}

}  // namespace

Status simulate_up(const DryProject& p, const UpOptions& options, const std::set<std::string>& built,
                   ProgressView& view) {
  if (!p.project()) return Error("no configuration file provided: not found");
  const auto& project = *p.project();
  PIER_TRY(auto targets, supervisor::up_targets(project, options));
  PIER_CHECK(supervisor::checked_replicas(project, targets, options));
  PIER_TRY(auto changed, supervisor::recorded_network_changes(project, targets, p.paths));
  announce_networks(p, targets, changed, view);
  announce_volumes(p, targets, view);
  PIER_TRY(auto ids, resolve_images(p, targets, options, built, view));
  std::vector<supervisor::WantedService> wanted;
  for (const auto& name : targets) {
    PIER_TRY(auto w, supervisor::wanted_service(project, *project.find_service(name), &p.loaded->tree.environment,
                                                ids.at(name), options));
    wanted.push_back(std::move(w));
  }
  std::map<std::string, std::set<std::string>> dependents;
  if (auto deps = graph::from_project(project); deps.ok())
    for (const auto& name : targets) dependents[name] = deps->dependents_of(name);
  std::set<std::string> services;
  for (const auto& [name, _] : project.services) services.insert(name);
  auto decisions = supervisor::decide_up(wanted, existing_of(p, changed), services, dependents, options);

  if (!options.ignore_orphans)
    for (const auto& name : decisions.orphans_left) view.warning(supervisor::orphan_warning(name));
  std::map<std::string, const state::ContainerRecord*> by_name;
  for (const auto& r : p.records) by_name[r.name] = &r;
  std::vector<const state::ContainerRecord*> removed;
  for (const auto& r : decisions.removed) {
    view.event("Container " + r.name, "Recreate");
    removed.push_back(by_name.at(r.name));
  }
  announce_removals(p, removed, view);
  // What else is on a network made anew stops, then the network goes and comes back
  // (UpRun::plan_containers, recreate_networks).
  std::vector<const state::ContainerRecord*> to_stop;
  for (const auto& r : p.records)
    if (on_changed_network(project, r, changed) &&
        std::find(removed.begin(), removed.end(), &r) == removed.end())
      to_stop.push_back(&r);
  announce_stops(p, to_stop, "Stopp", view);
  for (const auto& key : changed) {
    view.event("Network " + network_name(project, key), "Removed");
    view.event("Network " + network_name(project, key), "Creating");
    view.event("Network " + network_name(project, key), "Created");
  }
  for (const auto& c : decisions.created) view.event("Container " + c.name, "Created");
  if (options.no_start) return {};
  // Service by service in start order, as UpRun starts them once their dependencies hold.
  for (const auto& name : targets) {
    std::vector<std::string> starting;
    for (const auto& kept : decisions.kept) {
      const auto* r = by_name.at(kept);
      if (r->service != name) continue;
      bool running = r->state == state::ContainerState::running || r->state == state::ContainerState::paused;
      if (running) view.event("Container " + kept, "Running");
      else starting.push_back(kept);
    }
    for (const auto& c : decisions.created)
      if (c.service == name) starting.push_back(c.name);
    std::sort(starting.begin(), starting.end());
    for (const auto& c : starting) view.event("Container " + c, "Starting");
    for (const auto& c : starting) view.event("Container " + c, "Started");
  }
  return {};
}

std::set<std::string> announce_builds(const std::string& pier_root, const compose::Project& project,
                                      const std::vector<std::string>& services, bool no_deps, bool build,
                                      bool no_build) {
  auto names = services_to_build_for_up(pier_root, project, services, no_deps, build, no_build);
  dry_run::build(names);
  return {names.begin(), names.end()};
}

}  // namespace pier::app::dry_run
