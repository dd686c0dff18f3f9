#include "compose/validate.h"

#include "base/strings.h"

namespace pier::compose {

namespace {

std::vector<std::string> service_names(const Project& p) {
  std::vector<std::string> out;
  for (const auto& [name, s] : p.services) out.push_back(name);
  return out;
}

template <class Map>
std::vector<std::string> keys_of(const Map& m) {
  std::vector<std::string> out;
  for (const auto& [k, v] : m) out.push_back(k);
  return out;
}

// Compose's wording without its ": invalid compose project" suffix, which adds nothing.
// A service never suggests itself: `web` depending on a missing `wbe` means another
// service was meant.
Error undefined(const Service& s, const std::string& kind, const std::string& name, const Mark& mark,
                std::vector<std::string> candidates, const std::string& declare_hint,
                const std::string& verb = "refers to") {
  std::string what = verb == "refers to" ? name : "\"" + name + "\"";
  Error e = Error("service \"" + s.name + "\" " + verb + " undefined " + kind + " " + what).at(mark.to_string());
  if (kind == "service") std::erase(candidates, s.name);
  std::string guess = closest_match(name, candidates);
  return std::move(e).hint(guess.empty() ? declare_hint : "did you mean `" + guess + "`?");
}

Mark key_mark(const Service& s, const std::string& key) {
  auto it = s.key_marks.find(key);
  return it == s.key_marks.end() ? s.mark : it->second;
}

// `service:<name>` in network_mode, pid and ipc.
Status check_mode_reference(const Project& p, const Service& s, const std::string& key, const std::string& value) {
  if (!starts_with(value, "service:")) return {};
  std::string target = value.substr(8);
  if (p.services.count(target)) return {};
  return undefined(s, "service", target, key_mark(s, key), service_names(p), "define the service or fix `" + key + "`");
}

// `service[:ro|rw]` or `container:name[:ro|rw]`, the forms Docker's engine takes (it
// refuses any other mode when the container is created).
Status check_volumes_from_syntax(const Service& s, const std::string& from) {
  const size_t name_at = starts_with(from, "container:") ? 10 : 0;
  const size_t colon = from.find(':', name_at);
  const std::string name = from.substr(name_at, colon == std::string::npos ? std::string::npos : colon - name_at);
  const std::string mode = colon == std::string::npos ? "" : from.substr(colon + 1);
  if (name.empty())
    return Error("service \"" + s.name + "\": volumes_from `" + from + "` names no " +
                 (name_at ? "container" : "service"))
        .at(key_mark(s, "volumes_from").to_string())
        .hint("use `service[:ro|rw]` or `container:name[:ro|rw]`");
  if (colon != std::string::npos && mode != "ro" && mode != "rw")
    return Error("service \"" + s.name + "\": volumes_from `" + from + "`: access mode `" + mode + "` is not `ro` or `rw`")
        .at(key_mark(s, "volumes_from").to_string())
        .hint("use `ro` (read-only) or `rw` (read-write, the default)");
  return {};
}

// The names for "did you mean" are gathered only on an error: gathering them for every
// service made validation quadratic in the number of services.
Status check_service_references(const Project& p, const Service& s) {
  // links, volumes_from and `service:` modes first: each also adds an implicit
  // depends_on entry, and its own key names the problem better than depends_on does.
  // (The names are gathered only for an error: per service, they would cost O(n²).)
  for (const auto& link : s.links) {
    std::string target = link.substr(0, link.find(':'));
    if (!p.services.count(target))
      return undefined(s, "service", target, key_mark(s, "links"), service_names(p), "links name services of this project");
  }
  for (const auto& from : s.volumes_from) {
    PIER_CHECK(check_volumes_from_syntax(s, from));
    if (starts_with(from, "container:")) continue;
    std::string target = from.substr(0, from.find(':'));
    if (!p.services.count(target))
      return undefined(s, "service", target, key_mark(s, "volumes_from"), service_names(p), "use a service name or container:<name>");
  }
  PIER_CHECK(check_mode_reference(p, s, "network_mode", s.network_mode));
  PIER_CHECK(check_mode_reference(p, s, "pid", s.pid));
  PIER_CHECK(check_mode_reference(p, s, "ipc", s.ipc));
  for (const auto& [dep, d] : s.depends_on) {
    if (!p.services.count(dep))
      return undefined(s, "service", dep, d.mark, service_names(p), "define the service or remove it from depends_on",
                       "depends on");
    if (dep == s.name) return Error("service \"" + s.name + "\" depends on itself").at(d.mark.to_string());
  }
  return {};
}

Status check_resource_references(const Project& p, const Service& s) {
  for (const auto& [name, net] : s.networks) {
    if (!p.networks.count(name))
      return undefined(s, "network", name, net.mark, keys_of(p.networks), "declare it under the top-level `networks:` key");
  }
  for (const auto& v : s.volumes) {
    if (v.type != "volume" || v.source.empty() || p.volumes.count(v.source)) continue;
    return undefined(s, "volume", v.source, v.mark, keys_of(p.volumes), "declare it under the top-level `volumes:` key");
  }
  for (const auto& ref : s.secrets) {
    if (!p.secrets.count(ref.source))
      return undefined(s, "secret", ref.source, ref.mark, keys_of(p.secrets), "declare it under the top-level `secrets:` key");
  }
  if (s.build) {
    for (const auto& ref : s.build->secrets) {
      if (!p.secrets.count(ref.source))
        return undefined(s, "secret", ref.source, ref.mark, keys_of(p.secrets), "declare it under the top-level `secrets:` key");
    }
  }
  for (const auto& ref : s.configs) {
    if (!p.configs.count(ref.source))
      return undefined(s, "config", ref.source, ref.mark, keys_of(p.configs), "declare it under the top-level `configs:` key");
  }
  return {};
}

Status check_conflicts(const Service& s) {
  if (!s.container_name.empty() && s.replicas() > 1) {
    return Error("service \"" + s.name + "\": `container_name` \"" + s.container_name +
                 "\" is set, so the service cannot run " + std::to_string(s.replicas()) + " replicas")
        .at(key_mark(s, "container_name").to_string())
        .hint("remove container_name or scale the service to 1");
  }
  if (s.scale && s.deploy && s.deploy->replicas && *s.scale != *s.deploy->replicas) {
    return Error("service \"" + s.name + "\": `scale` (" + std::to_string(*s.scale) +
                 ") and `deploy.replicas` (" + std::to_string(*s.deploy->replicas) + ") disagree")
        .at(key_mark(s, "scale").to_string())
        .hint("keep one of them");
  }
  return {};
}

}  // namespace

Status validate_project(const Project& project) {
  for (const auto& [name, service] : project.services) {
    PIER_CHECK(check_service_references(project, service));
    PIER_CHECK(check_resource_references(project, service));
    PIER_CHECK(check_conflicts(service));
  }
  return {};
}

}  // namespace pier::compose
