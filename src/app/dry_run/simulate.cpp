#include "app/dry_run/simulate.h"

#include <algorithm>

#include "app/dry_run/dry_images.h"
#include "app/dry_run/dry_up.h"
#include "graph/from_project.h"

namespace pier::app::dry_run {
namespace {

namespace control = supervisor::control;
using Records = std::vector<const state::ContainerRecord*>;

bool has(const std::vector<std::string>& list, const std::string& name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

Records without_oneoffs(Records records) {
  std::erase_if(records, [](const auto* r) { return r->oneoff; });
  return records;
}

// Services with their dependencies (`start`), or with those that restart with them.
std::vector<std::string> with_dependencies(const compose::Project* project, std::vector<std::string> services) {
  if (services.empty() || !project) return services;
  for (size_t i = 0; i < services.size(); ++i)
    if (const auto* service = project->find_service(services[i]))
      for (const auto& [dependency, _] : service->depends_on)
        if (!has(services, dependency)) services.push_back(dependency);
  return services;
}

std::vector<std::string> with_restart_dependents(const compose::Project* project, std::vector<std::string> services) {
  if (services.empty() || !project) return services;
  for (size_t i = 0; i < services.size(); ++i)
    for (const auto& [name, service] : project->services) {
      auto it = service.depends_on.find(services[i]);
      if (it != service.depends_on.end() && it->second.restart && !has(services, name)) services.push_back(name);
    }
  return services;
}

std::vector<std::string> with_dependents(const compose::Project* project, std::vector<std::string> services) {
  if (!project) return services;
  auto deps = graph::from_project(*project);
  if (!deps) return services;
  for (size_t i = 0; i < services.size(); ++i)
    for (const auto& d : deps->dependents_of(services[i]))
      if (!has(services, d)) services.push_back(d);
  return services;
}

Status start(const DryProject& p, const control::StartRequest& r, ProgressView& view) {
  auto targets = without_oneoffs(p.select(with_dependencies(p.project(), r.services)));
  if (targets.empty()) return Error("no containers to start").hint("run `pier up` first");
  announce_starts(p, targets, true, view);
  return {};
}

Status restart(const DryProject& p, const control::RestartRequest& r, ProgressView& view) {
  auto targets = without_oneoffs(p.select(r.no_deps ? r.services : with_restart_dependents(p.project(), r.services)));
  announce_stops(p, targets, "Restart", view);
  announce_starts(p, targets, false, view);
  return {};
}

Status signal(const DryProject& p, const control::SignalRequest& r, ProgressView& view) {
  using Kind = control::SignalRequest::Kind;
  Records targets;
  if (r.containers) {
    for (const auto& name : *r.containers)
      for (const auto* c : p.select({}))
        if (c->name == name) targets.push_back(c);
  } else {
    targets = p.select(r.services);
  }
  std::optional<Error> first;
  for (const auto* c : targets) {
    bool paused = c->state == state::ContainerState::paused;
    bool running = c->state == state::ContainerState::running;
    if (r.kind == Kind::kill) view.event("Container " + c->name, "Killed");
    else if (r.kind == Kind::pause && running) view.event("Container " + c->name, "Paused");
    else if (r.kind == Kind::unpause && paused) view.event("Container " + c->name, "Unpaused");
    else if (!first)
      first = Error("container " + c->name + (r.kind == Kind::unpause ? " is not paused"
                                              : paused                ? " is already paused"
                                                                      : " is not running"));
  }
  return first ? Status(*first) : Status{};
}

Status remove(const DryProject& p, const control::RemoveRequest& r, ProgressView& view) {
  Records targets;
  for (const auto* c : p.select(r.services)) {
    if (c->oneoff && !r.oneoffs) continue;
    if (stoppable(*c) && !r.force && !r.stop) continue;
    targets.push_back(c);
  }
  announce_removals(p, targets, view);
  return {};
}

Status down(const DryProject& p, const control::DownRequest& r, ProgressView& view) {
  const compose::Project* project = p.project();
  Records targets;
  if (!r.services.empty()) {
    targets = p.select(with_dependents(project, r.services));
    if (r.remove_orphans && project)
      for (const auto* c : p.select({}))
        if (!project->services.count(c->service)) targets.push_back(c);
  } else {
    for (const auto* c : p.select({}))
      if (!project || r.remove_orphans || project->services.count(c->service) || c->oneoff) targets.push_back(c);
  }
  announce_removals(p, targets, view);
  bool partial = !r.services.empty();
  if (!partial)
    for (const auto& name : p.unreadable) {
      view.warning("container " + name + ": its record does not parse; removing the container by its name");
      view.event("Container " + name, "Removed");
    }
  if (partial && targets.size() < p.records.size()) {
    view.event("Network " + p.paths.project + "_default", "Resource is still in use");
    return {};
  }
  view.event("Network " + p.paths.project + "_default", "Removed");
  if (project && r.volumes)
    for (const auto& [key, volume] : project->volumes)
      if (!volume.external) view.event("Volume " + volume.name, "Removed");
  if (project && !r.rmi.empty()) {
    auto store = existing_store(p.paths.root);
    for (const auto& [name, service] : project->services) {
      if (r.rmi == "local" && !service.image.empty()) continue;
      std::string ref = service.image_or_default(project->name);
      if (store && store->find(ref)) view.event("Image " + ref, "Removed");
    }
  }
  return {};
}

}  // namespace

Status simulate(const state::ProjectPaths& paths, const control::Request& request, ProgressView& view,
                const std::set<std::string>& built) {
  const supervisor::ProjectSource* source = nullptr;
  if (const auto* up = std::get_if<control::UpRequest>(&request)) source = &up->source;
  if (const auto* d = std::get_if<control::DownRequest>(&request); d && d->source) source = &*d->source;
  PIER_TRY(auto p, read_project(paths, source));
  return std::visit(
      [&](const auto& r) -> Status {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, control::UpRequest>) return simulate_up(p, r.options, built, view);
        else if constexpr (std::is_same_v<T, control::StartRequest>) return start(p, r, view);
        else if constexpr (std::is_same_v<T, control::StopRequest>) {
          announce_stops(p, without_oneoffs(p.select(r.services)), "Stopp", view);
          return {};
        } else if constexpr (std::is_same_v<T, control::RestartRequest>) return restart(p, r, view);
        else if constexpr (std::is_same_v<T, control::SignalRequest>) return signal(p, r, view);
        else if constexpr (std::is_same_v<T, control::RemoveRequest>) return remove(p, r, view);
        else if constexpr (std::is_same_v<T, control::DownRequest>) return down(p, r, view);
        else return Error("`" + control::op_of(request) + "` has no dry run").hint("leave out --dry-run");
      },
      request);
}

Status simulate(const state::ProjectPaths& paths, const control::Request& request, const std::set<std::string>& built) {
  auto view = ProgressView::make();
  Status st = simulate(paths, request, *view, built);
  view->finish();
  return st;
}

}  // namespace pier::app::dry_run
