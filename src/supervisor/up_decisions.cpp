#include "supervisor/up_decisions.h"

#include <algorithm>

#include "compose/output.h"
#include "graph/from_project.h"
#include "net/names.h"
#include "net/project_record.h"
#include "plan/network.h"
#include "plan/plan.h"
#include "supervisor/port_conflicts.h"

namespace pier::supervisor {
namespace {

bool contains(const std::vector<std::string>& list, const std::string& name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

// --always-recreate-deps: a dependency that was not named is recreated, as Compose's
// "force" policy for dependencies (the services named follow --force-recreate).
bool always_recreate(const control::UpOptions& options, const std::string& service) {
  return options.always_recreate_deps && !options.services.empty() && !contains(options.services, service);
}

}  // namespace

bool attaches_to(const compose::Service& service, const std::set<std::string>& networks) {
  if (!service.network_mode.empty() && service.network_mode.substr(0, service.network_mode.find(':')) != "bridge")
    return false;
  if (service.networks.empty()) return networks.count("default") > 0;
  return std::any_of(service.networks.begin(), service.networks.end(),
                     [&](const auto& entry) { return networks.count(entry.first) > 0; });
}

Result<std::set<std::string>> recorded_network_changes(const compose::Project& project,
                                                       const std::vector<std::string>& targets,
                                                       const state::ProjectPaths& paths) {
  std::set<std::string> changed;
  net::ProjectRecord record(paths.net_state_dir(), paths.kernel_name);
  auto made = record.bridges();
  if (!made) return changed;  // no record: nothing made yet
  for (const auto& [name, config] : project.networks) {
    bool joined = std::any_of(targets.begin(), targets.end(), [&](const std::string& target) {
      const auto* service = project.find_service(target);
      return service && attaches_to(*service, {name});
    });
    if (!joined || config.external) continue;
    PIER_TRY(auto spec, plan::network_spec(name, config));
    const std::string bridge = spec.first.bridge.empty() ? net::bridge_name(paths.kernel_name, name) : spec.first.bridge;
    if (std::find(made->begin(), made->end(), bridge) == made->end()) continue;
    PIER_TRY(auto recorded, record.config_hash(bridge));
    if (!recorded.empty() && !spec.first.config_hash.empty() && recorded != spec.first.config_hash)
      changed.insert(name);
  }
  return changed;
}

Result<std::vector<std::string>> up_targets(const compose::Project& project, const control::UpOptions& options) {
  PIER_TRY(auto deps, graph::from_project(project));
  std::vector<std::string> wanted = options.services;
  for (const auto& name : wanted) {
    const auto* service = project.find_service(name);
    if (!service) return Error("no such service: " + name);
    if (service->disabled) return Error("service " + name + " is not enabled by the active profiles");
  }
  if (wanted.empty())
    for (const auto& [name, service] : project.services)
      if (!service.disabled) wanted.push_back(name);
  std::set<std::string> chosen(wanted.begin(), wanted.end());
  if (!options.no_deps) chosen = deps.with_dependencies(wanted);
  PIER_TRY(auto waves, deps.start_waves());
  std::vector<std::string> targets;
  for (const auto& wave : waves)
    for (const auto& name : wave)
      if (chosen.count(name)) targets.push_back(name);
  return targets;
}

Result<image::PullPolicy> up_pull_policy(const compose::Service& service, const control::UpOptions& options) {
  std::string text = !options.pull.empty() ? options.pull : service.pull_policy;
  if (text.empty()) text = service.build ? "build" : "missing";
  return image::parse_pull_policy(text);
}

int wanted_replicas(const compose::Service& service, const control::UpOptions& options) {
  auto it = options.scale.find(service.name);
  return it != options.scale.end() ? it->second : static_cast<int>(service.replicas());
}

Result<std::vector<std::pair<std::string, int>>> checked_replicas(const compose::Project& project,
                                                                  const std::vector<std::string>& targets,
                                                                  const control::UpOptions& options) {
  std::vector<std::pair<std::string, int>> counts;
  for (const auto& name : targets) {
    const auto& service = *project.find_service(name);
    int replicas = wanted_replicas(service, options);
    if (!service.container_name.empty() && replicas > 1)
      return Error("service " + name + ": cannot run " + std::to_string(replicas) +
                   " replicas with a fixed container_name `" + service.container_name + "`")
          .hint("remove container_name or scale to 1");
    counts.emplace_back(name, replicas);
  }
  PIER_CHECK(check_host_ports(project, counts));
  return counts;
}

Result<WantedService> wanted_service(const compose::Project& project, const compose::Service& service,
                                     const compose::Environment* environment, const std::string& image_id,
                                     const control::UpOptions& options) {
  PIER_TRY(auto digest, plan::sources_digest(project, service, environment));
  WantedService out;
  out.name = service.name;
  out.replicas = wanted_replicas(service, options);
  out.config_hash = compose::service_config_hash(project, service.name);
  out.image_id = image_id;
  out.sources_digest = std::move(digest);
  out.volumes_hash = compose::service_volumes_hash(project, service.name);
  out.fixed_name = service.container_name;
  out.prefix = project.name + "-" + service.name + "-";
  return out;
}

std::string orphan_warning(const std::string& container) {
  return "Found orphan container (" + container +
         ") for this project. If you removed or renamed this service in your compose file, you can run this command "
         "with the --remove-orphans flag to clean it up.";
}

UpDecisions decide_up(const std::vector<WantedService>& targets, const std::vector<ExistingContainer>& existing,
                      const std::set<std::string>& project_services,
                      const std::map<std::string, std::set<std::string>>& dependents, const control::UpOptions& options) {
  UpDecisions out;
  std::set<std::string> removed, recreated, target_names;
  std::map<std::string, std::vector<int>> numbers;  // per target: the replicas it has after this run
  auto remove = [&](const ExistingContainer& c, UpDecisions::Removal why) {
    if (removed.insert(c.name).second) out.removed.push_back({c.name, why});
  };
  for (const auto& t : targets) target_names.insert(t.name);
  for (const auto& t : targets) {
    auto obsolete = [&](const ExistingContainer& c) {
      if (options.no_recreate) return false;
      bool changed = c.config_hash != t.config_hash || c.image_id != t.image_id || c.sources_digest != t.sources_digest ||
                     (c.volumes_hash && *c.volumes_hash != t.volumes_hash) || c.on_changed_network;
      return changed || options.force_recreate || always_recreate(options, t.name);
    };
    std::vector<const ExistingContainer*> replicas;
    for (const auto& c : existing)
      if (c.service == t.name && !c.oneoff) replicas.push_back(&c);
    std::stable_sort(replicas.begin(), replicas.end(), [&](const ExistingContainer* a, const ExistingContainer* b) {
      bool stale_a = obsolete(*a), stale_b = obsolete(*b);
      if (stale_a != stale_b) return stale_b;
      return a->number < b->number;
    });
    int next = 1;
    for (const auto* c : replicas) next = std::max(next, c->number + 1);
    auto& kept_numbers = numbers[t.name];
    for (size_t i = 0; i < replicas.size(); ++i) {
      const auto& c = *replicas[i];
      if (static_cast<int>(i) >= t.replicas) {
        remove(c, UpDecisions::Removal::scale_down);
        continue;
      }
      kept_numbers.push_back(c.number);
      if (obsolete(c)) {
        remove(c, UpDecisions::Removal::recreate);
        recreated.insert(t.name);
      }
    }
    while (static_cast<int>(kept_numbers.size()) < t.replicas) kept_numbers.push_back(next++);
    std::sort(kept_numbers.begin(), kept_numbers.end());
  }
  // Those depending on a recreated service are recreated too, so they see it anew.
  std::set<std::string> follow;
  for (const auto& s : recreated)
    if (auto it = dependents.find(s); it != dependents.end())
      for (const auto& d : it->second)
        if (!recreated.count(d) && target_names.count(d)) follow.insert(d);
  for (const auto& d : follow)
    for (const auto& c : existing)
      if (c.service == d && !c.oneoff) remove(c, UpDecisions::Removal::dependent);
  for (const auto& c : existing) {
    if (c.oneoff || project_services.count(c.service)) continue;
    if (options.remove_orphans) remove(c, UpDecisions::Removal::orphan);
    else out.orphans_left.push_back(c.name);
  }
  std::set<std::string> staying;
  for (const auto& c : existing)
    if (!removed.count(c.name)) {
      staying.insert(c.name);
      if (!c.oneoff && target_names.count(c.service)) out.kept.push_back(c.name);
    }
  for (const auto& t : targets)
    for (int n : numbers[t.name])
      if (std::string name = t.container(n); !staying.count(name)) out.created.push_back({t.name, n, name});
  return out;
}

}  // namespace pier::supervisor
