#include "compose/profiles.h"

#include <algorithm>
#include <map>
#include <set>

#include "base/strings.h"

namespace pier::compose {

namespace {

bool is_enabled(const Service& s, const std::set<std::string>& active) {
  if (s.profiles.empty() || active.count("*")) return true;
  return std::any_of(s.profiles.begin(), s.profiles.end(), [&](const std::string& p) { return active.count(p) > 0; });
}

// The services `s` cannot run without.
std::vector<std::pair<std::string, Mark>> needed_services(const Service& s) {
  std::vector<std::pair<std::string, Mark>> out;
  for (const auto& [name, dep] : s.depends_on) {
    if (dep.required) out.push_back({name, dep.mark});
  }
  for (const auto& link : s.links) out.push_back({link.substr(0, link.find(':')), s.mark});
  for (const auto& from : s.volumes_from) {
    if (!starts_with(from, "container:")) out.push_back({from.substr(0, from.find(':')), s.mark});
  }
  for (const std::string* mode : {&s.network_mode, &s.pid, &s.ipc}) {
    if (starts_with(*mode, "service:")) out.push_back({mode->substr(8), s.mark});
  }
  return out;
}

Status check_needed_enabled(const Project& project) {
  for (const auto& [name, s] : project.services) {
    if (s.disabled) continue;
    for (const auto& [needed, mark] : needed_services(s)) {
      const Service* dep = project.find_service(needed);
      if (!dep || !dep->disabled) continue;
      return Error("service \"" + name + "\" depends on service \"" + needed +
                   "\", which is disabled by its profiles")
          .at(mark.to_string())
          .hint("enable one of its profiles: --profile " + join(dep->profiles, " or --profile "));
    }
  }
  return {};
}

// Two enabled services cannot both be one container (`container_name`): Docker Compose
// refuses the project; before, the second was silently left out. Services of profiles
// that are not active may share a name (`app-dev` and `app-prod` as `app`).
Status check_unique_container_names(const Project& project) {
  std::map<std::string, const Service*> owner;
  for (const auto& [name, s] : project.services) {
    if (s.disabled || s.container_name.empty()) continue;
    auto [it, fresh] = owner.emplace(s.container_name, &s);
    if (fresh) continue;
    auto mark = s.key_marks.count("container_name") ? s.key_marks.at("container_name") : s.mark;
    return Error("service \"" + name + "\": container name \"" + s.container_name + "\" is already used by service \"" +
                 it->second->name + "\"")
        .at(mark.to_string())
        .hint("give each service its own container_name, or put them in different profiles");
  }
  return {};
}

template <class Map>
void keep_only(Map& resources, const std::set<std::string>& used) {
  for (auto it = resources.begin(); it != resources.end();) {
    it = used.count(it->first) ? std::next(it) : resources.erase(it);
  }
}

}  // namespace

void drop_unused_resources(Project& project) {
  std::set<std::string> networks, volumes, secrets, configs;
  for (const auto& [name, s] : project.services) {
    if (s.disabled) continue;
    for (const auto& [net, attachment] : s.networks) networks.insert(net);
    for (const auto& v : s.volumes) {
      if (v.type == "volume" && !v.source.empty()) volumes.insert(v.source);
    }
    for (const auto& ref : s.secrets) secrets.insert(ref.source);
    if (s.build) {
      for (const auto& ref : s.build->secrets) secrets.insert(ref.source);
    }
    for (const auto& ref : s.configs) configs.insert(ref.source);
  }
  keep_only(project.networks, networks);
  keep_only(project.volumes, volumes);
  keep_only(project.secrets, secrets);
  keep_only(project.configs, configs);
}

Status apply_profiles(Project& project, const std::vector<std::string>& active_profiles,
                      const std::vector<std::string>& targeted_services, bool all_resources) {
  std::set<std::string> active(active_profiles.begin(), active_profiles.end());
  std::vector<std::string> names;
  for (const auto& [name, s] : project.services) names.push_back(name);
  for (const auto& target : targeted_services) {
    const Service* s = project.find_service(target);
    if (!s) {
      Error e("no such service: " + target);
      std::string guess = closest_match(target, names);
      return guess.empty() ? e : std::move(e).hint("did you mean `" + guess + "`?");
    }
    active.insert(s->profiles.begin(), s->profiles.end());
  }
  for (auto& [name, s] : project.services) s.disabled = !is_enabled(s, active);
  for (const auto& [name, s] : project.services)
    if (!s.disabled)
      for (const auto& f : s.env_files)
        if (f.missing_error) return Error(*f.missing_error).context("service \"" + name + "\"");
  PIER_CHECK(check_needed_enabled(project));
  PIER_CHECK(check_unique_container_names(project));
  if (!all_resources) drop_unused_resources(project);
  return {};
}

}  // namespace pier::compose
