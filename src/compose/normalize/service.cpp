// One service: dispatch every key to its normaliser, then check values that have a
// fixed vocabulary (restart, pull_policy, namespace modes) and fill the defaults
// Docker Compose prints (the implicit `default` network).
#include <algorithm>

#include "base/strings.h"
#include "compose/normalize/common.h"
#include "compose/normalize/service_keys.h"

namespace pier::compose::detail {

namespace {

Status check_restart(const Node& node, const std::string& value) {
  if (value.empty() || value == "no" || value == "always" || value == "unless-stopped" ||
      value == "on-failure")
    return {};
  if (starts_with(value, "on-failure:")) {
    std::string n = value.substr(11);
    if (!n.empty() && n.find_first_not_of("0123456789") == std::string::npos) return {};
  }
  return error_at(node, "unknown restart policy `" + value + "`")
      .hint("use no, always, on-failure[:max-retries] or unless-stopped");
}

Status check_pull_policy(const Node& node, const std::string& value) {
  static const std::vector<std::string> ok = {"always", "never", "missing", "build",
                                              "if_not_present", "daily", "weekly"};
  if (value.empty() || std::find(ok.begin(), ok.end(), value) != ok.end()) return {};
  if (starts_with(value, "every_")) return {};
  Error e = error_at(node, "unknown pull_policy `" + value + "`");
  std::string guess = closest_match(value, ok);
  return std::move(e).hint(guess.empty() ? "use always, never, missing or build" : "did you mean `" + guess + "`?");
}

// network_mode, pid, ipc, uts, cgroup share one shape: a keyword or `service:`/`container:`.
Status check_mode(const Node& node, const std::string& key, const std::string& value,
                  const std::vector<std::string>& keywords) {
  if (value.empty()) return {};
  if (std::find(keywords.begin(), keywords.end(), value) != keywords.end()) return {};
  if (key != "uts" && key != "cgroup" && (starts_with(value, "service:") || starts_with(value, "container:"))) {
    if (value.substr(value.find(':') + 1).empty()) return error_at(node, "`" + key + "` `" + value + "` names nothing after the colon");
    return {};
  }
  if (key == "network_mode") return {};  // any other value names a network driver mode (bridge...)
  std::string allowed = join(keywords, ", ");
  if (key != "uts" && key != "cgroup") allowed += ", service:<name> or container:<name>";
  return error_at(node, "invalid `" + key + "` `" + value + "`").hint("use " + allowed);
}

// Docker knows `host`; Podman's `keep-id` is what pier supports of its rootless modes
// (auto, nomap, ns:, keep-id's uid=/gid= options are refused here, with their place).
Status check_userns_mode(const Node& node, const std::string& value) {
  if (value.empty() || value == "host" || value == "keep-id") return {};
  return error_at(node, "userns_mode `" + value + "` is not supported")
      .hint("use host (the default), or keep-id to keep your own uid inside a rootless pier's containers");
}

Status check_values(const Context& ctx, const Node& node, const Service& s) {
  auto at = [&](const char* key) -> const Node& { const Node* n = node.find(key); return n ? *n : node; };
  PIER_CHECK(check_restart(at("restart"), s.restart));
  PIER_CHECK(check_pull_policy(at("pull_policy"), s.pull_policy));
  PIER_CHECK(check_mode(at("network_mode"), "network_mode", s.network_mode, {"host", "none", "bridge"}));
  PIER_CHECK(check_mode(at("pid"), "pid", s.pid, {"host"}));
  PIER_CHECK(check_mode(at("ipc"), "ipc", s.ipc, {"host", "none", "private", "shareable"}));
  PIER_CHECK(check_mode(at("uts"), "uts", s.uts, {"host"}));
  PIER_CHECK(check_mode(at("cgroup"), "cgroup", s.cgroup, {"host", "private"}));
  PIER_CHECK(check_userns_mode(at("userns_mode"), s.userns_mode));
  if (s.scale && *s.scale < 0) return error_at(at("scale"), "`scale` must not be negative");
  if (ctx.options.consistency && !s.network_mode.empty() && node.find("networks")) {
    return error_at(at("network_mode"), "`network_mode` and `networks` cannot be used together")
        .hint("a service with network_mode joins no compose network; remove one of them");
  }
  if (s.mem_limit && s.mem_reservation && *s.mem_limit > 0 && *s.mem_reservation > *s.mem_limit)
    return error_at(at("mem_reservation"), "`mem_reservation` is greater than `mem_limit`");
  return {};
}

// Docker Compose records the services a service needs through links, volumes_from
// and `service:` namespace modes as depends_on entries, so ordering sees them too.
void add_implicit_dependencies(Service& s) {
  auto add = [&](const std::string& target, const char* key) {
    if (target.empty() || s.depends_on.count(target)) return;
    DependsOn dep;
    auto it = s.key_marks.find(key);
    dep.mark = it == s.key_marks.end() ? s.mark : it->second;
    s.depends_on[target] = dep;
  };
  for (const auto& link : s.links) add(link.substr(0, link.find(':')), "links");
  for (const auto& from : s.volumes_from) {
    if (!starts_with(from, "container:")) add(from.substr(0, from.find(':')), "volumes_from");
  }
  const std::pair<const char*, const std::string*> modes[] = {
      {"network_mode", &s.network_mode}, {"ipc", &s.ipc}, {"pid", &s.pid}};
  for (const auto& [key, value] : modes) {
    if (starts_with(*value, "service:")) add(value->substr(8), key);
  }
}

Status read_keys(const Context& ctx, const Node& node, Service& service) {
  const auto& keys = service_keys();
  for (const auto& entry : node.entries()) {
    if (starts_with(entry.key, "x-")) {
      service.extensions[entry.key] = node_json(entry.value);
      service.key_marks[entry.key] = entry.key_mark;  // `convert` points at x-kubernetes
      if (entry.key == "x-pier-desktop") {
        PIER_TRY(service.desktop, normalize_desktop(entry.value, entry.key_mark));
      }
      continue;
    }
    auto it = std::find_if(keys.begin(), keys.end(), [&](const ServiceKey& k) { return k.name == entry.key; });
    if (it == keys.end()) {
      Error e = Error("unknown key `" + entry.key + "`").at(entry.key_mark.to_string());
      std::string guess = closest_match(entry.key, service_key_names());
      return guess.empty() ? e : std::move(e).hint("did you mean `" + guess + "`?");
    }
    service.key_marks[entry.key] = entry.key_mark;
    if (entry.value.is_null()) continue;  // `key:` with no value leaves it unset
    PIER_CHECK(it->read(ctx, entry, service));
  }
  return {};
}

}  // namespace

Result<Service> normalize_service(const Context& ctx, const std::string& name, const Mark& name_mark,
                                  const Node& node) {
  Service service;
  service.name = name;
  service.mark = name_mark.known() ? name_mark : node.mark();
  auto fail = [&](Error e) { return std::move(e).context("service \"" + name + "\""); };
  if (!node.is_mapping()) return fail(type_error(node, "services." + name, "a mapping"));
  if (auto st = read_keys(ctx, node, service); !st) return fail(std::move(st).error());
  if (auto st = normalize_environment(ctx, node, service); !st) return fail(std::move(st).error());
  if (auto st = check_values(ctx, node, service); !st) return fail(std::move(st).error());
  if (service.image.empty() && !service.build && !service.provider) {
    // Docker Compose's wording, which users search for (less its ": invalid compose
    // project", which tells them nothing).
    return Error("service \"" + service.name + "\" has neither an image nor a build context specified")
        .at(service.mark.to_string())
        .hint("add `image:` or `build:`");
  }
  add_implicit_dependencies(service);
  if (service.networks.empty() && service.network_mode.empty()) {
    ServiceNetwork implicit;
    implicit.mark = node.mark();
    service.networks["default"] = implicit;
  }
  return service;
}

}  // namespace pier::compose::detail
