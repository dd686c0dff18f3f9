// Top-level networks, volumes, secrets and configs. Names default to
// `<project>_<key>` unless `name:` is given; external resources keep their own name.
#include <fmt/format.h>

#include "base/strings.h"
#include "compose/names.h"
#include "compose/normalize/top_level.h"

namespace pier::compose::detail {

namespace {

// `external: true`, or the legacy `external: {name: x}`.
Status read_external(const Node& node, bool& external, std::string& name) {
  if (node.is_mapping()) {
    PIER_CHECK(check_keys(node, {"name"}));
    external = true;
    if (const Node* n = node.find("name")) { PIER_TRY(name, read_string(*n, "external.name")); }
    return {};
  }
  PIER_TRY(external, read_bool(node, "external"));
  return {};
}

void apply_default_name(const Context& ctx, const std::string& key, bool external, std::string& name) {
  if (!name.empty()) return;
  name = external ? key : ctx.tree.name + "_" + key;
}

// Where the resource's name was written: `name:`, or `external: {name: x}`. Without
// either the name came from the key, where read_section points the error.
const Node* name_node(const Node& node) {
  if (!node.is_mapping()) return nullptr;
  if (const Node* n = node.find("name")) return n;
  if (const Node* ext = node.find("external"); ext && ext->is_mapping()) return ext->find("name");
  return nullptr;
}

Error invalid_name(const Node& node, const std::string& kind, const std::string& name, const std::string& rule) {
  Error e(fmt::format("invalid {} name `{}`: {}", kind, name, rule));
  if (const Node* at = name_node(node)) e.at(at->mark().to_string());
  return e;
}

// A volume's name is a directory under pier's root (Docker's local volume rule).
Status check_volume_name(const Node& node, const std::string& name) {
  if (is_restricted_name(name)) return {};
  return invalid_name(node, "volume", name,
                      "a volume name is at least two of [a-zA-Z0-9_.-], starting with a letter or digit");
}

// A network's name is the bridge's link name when it is external, and the bridge may
// be named by a driver option: both end up in netlink requests and nftables rules.
Status check_network_names(const Node& node, const NetworkConfig& n) {
  if (!is_network_name(n.name))
    return invalid_name(node, "network", n.name, "a network name is [a-zA-Z0-9_.-], starting with a letter or digit");
  auto bridge = n.driver_opts.find("com.docker.network.bridge.name");
  if (bridge == n.driver_opts.end() || is_interface_name(bridge->second)) return {};
  Error e(fmt::format("invalid bridge name `{}`: a link name is 1 to 15 of [a-zA-Z0-9_.-], starting with a letter or digit",
                      bridge->second));
  if (const Node* opts = node.find("driver_opts"))
    if (const Node* at = opts->find("com.docker.network.bridge.name")) e.at(at->mark().to_string());
  return e;
}

Result<NetworkConfig> read_network(const Context& ctx, const std::string& key, const Node& node) {
  NetworkConfig n;
  if (!node.is_null()) {
    PIER_CHECK(expect_mapping(node, "networks." + key));
    PIER_CHECK(check_keys(node, {"name", "driver", "driver_opts", "ipam", "external", "internal",
                                 "attachable", "enable_ipv4", "enable_ipv6", "labels"}));
    if (const Node* x = node.find("name")) { PIER_TRY(n.name, read_string(*x, "name")); }
    if (const Node* x = node.find("driver")) { PIER_TRY(n.driver, read_string(*x, "driver")); }
    if (const Node* x = node.find("driver_opts")) { PIER_TRY(n.driver_opts, read_string_map(*x, "driver_opts")); }
    if (const Node* x = node.find("ipam")) { PIER_TRY(n.ipam, normalize_ipam(*x)); }
    if (const Node* x = node.find("external")) { PIER_CHECK(read_external(*x, n.external, n.name)); }
    if (const Node* x = node.find("internal")) { PIER_TRY(n.internal, read_bool(*x, "internal")); }
    if (const Node* x = node.find("attachable")) { PIER_TRY(n.attachable, read_bool(*x, "attachable")); }
    if (const Node* x = node.find("enable_ipv4")) { PIER_TRY(n.enable_ipv4, read_bool(*x, "enable_ipv4")); }
    if (const Node* x = node.find("enable_ipv6")) { PIER_TRY(n.enable_ipv6, read_bool(*x, "enable_ipv6")); }
    if (const Node* x = node.find("labels")) { PIER_TRY(n.labels, read_string_map(*x, "labels")); }
    n.extensions = read_extensions(node);
  }
  apply_default_name(ctx, key, n.external, n.name);
  PIER_CHECK(check_network_names(node, n));
  return n;
}

Result<VolumeConfig> read_volume(const Context& ctx, const std::string& key, const Node& node) {
  VolumeConfig v;
  if (!node.is_null()) {
    PIER_CHECK(expect_mapping(node, "volumes." + key));
    PIER_CHECK(check_keys(node, {"name", "driver", "driver_opts", "external", "labels"}));
    if (const Node* x = node.find("name")) { PIER_TRY(v.name, read_string(*x, "name")); }
    if (const Node* x = node.find("driver")) { PIER_TRY(v.driver, read_string(*x, "driver")); }
    if (const Node* x = node.find("driver_opts")) { PIER_TRY(v.driver_opts, read_string_map(*x, "driver_opts")); }
    if (const Node* x = node.find("external")) { PIER_CHECK(read_external(*x, v.external, v.name)); }
    if (const Node* x = node.find("labels")) { PIER_TRY(v.labels, read_string_map(*x, "labels")); }
    v.extensions = read_extensions(node);
  }
  apply_default_name(ctx, key, v.external, v.name);
  PIER_CHECK(check_volume_name(node, v.name));
  return v;
}

Result<FileObjectConfig> read_file_object(const Context& ctx, const std::string& kind,
                                          const std::string& key, const Node& node) {
  FileObjectConfig f;
  PIER_CHECK(expect_mapping(node, kind + "." + key));
  std::vector<std::string> allowed = {"name", "file", "environment", "external", "labels",
                                      "driver", "driver_opts", "template_driver"};
  if (kind == "configs") allowed.push_back("content");
  PIER_CHECK(check_keys(node, allowed));
  if (const Node* x = node.find("name")) { PIER_TRY(f.name, read_string(*x, "name")); }
  if (const Node* x = node.find("file")) {
    PIER_TRY(f.file, read_string(*x, "file"));
    f.file = resolve_path(ctx, f.file);
  }
  if (const Node* x = node.find("environment")) {
    PIER_TRY(f.environment, read_string(*x, "environment"));
    if (auto it = ctx.tree.included_sources.find(kind + "." + key); it != ctx.tree.included_sources.end())
      f.environment_value = it->second;
  }
  if (const Node* x = node.find("content")) { PIER_TRY(f.content, read_string(*x, "content")); }
  if (const Node* x = node.find("external")) { PIER_CHECK(read_external(*x, f.external, f.name)); }
  if (const Node* x = node.find("labels")) { PIER_TRY(f.labels, read_string_map(*x, "labels")); }
  if (const Node* x = node.find("driver")) { PIER_TRY(f.driver, read_string(*x, "driver")); }
  if (const Node* x = node.find("driver_opts")) { PIER_TRY(f.driver_opts, read_string_map(*x, "driver_opts")); }
  if (const Node* x = node.find("template_driver")) { PIER_TRY(f.template_driver, read_string(*x, "template_driver")); }
  f.extensions = read_extensions(node);
  int sources = !f.file.empty() + !f.environment.empty() + f.content.has_value() + f.external;
  if (sources != 1) {
    // No location: read_section points at the entry's key.
    Error e(std::string("needs exactly one of `file`, `environment`") + (kind == "configs" ? ", `content`" : "") +
            " or `external`");
    if (sources == 0 && !f.name.empty())
      e.hint("`name: " + f.name + "` alone would look it up in a " + (kind == "configs" ? "config" : "secret") +
             " store, which pier does not have");
    return e;
  }
  apply_default_name(ctx, key, f.external, f.name);
  return f;
}

template <class T, class Reader>
Status read_section(const Node& root, const char* section, std::map<std::string, T>& out, Reader read) {
  const Node* node = root.find(section);
  if (!node || node->is_null()) return {};
  PIER_CHECK(expect_mapping(*node, section));
  for (const auto& e : node->entries()) {
    if (starts_with(e.key, "x-")) continue;
    if (!is_resource_key(e.key))
      return Error(fmt::format("invalid key `{}` in `{}`: keys are [a-zA-Z0-9._-], and not `.` or `..`", e.key, section))
          .at(e.key_mark.to_string());
    auto item = read(e.key, e.value);
    if (!item) return std::move(item.error()).context(std::string(section) + "." + e.key).at(e.key_mark.to_string());
    item->mark = e.key_mark;
    out[e.key] = std::move(*item);
  }
  return {};
}

}  // namespace

Status normalize_top_level(const Context& ctx, const Node& root, Project& project) {
  PIER_CHECK(read_section(root, "networks", project.networks,
                          [&](const std::string& k, const Node& n) { return read_network(ctx, k, n); }));
  PIER_CHECK(read_section(root, "volumes", project.volumes,
                          [&](const std::string& k, const Node& n) { return read_volume(ctx, k, n); }));
  PIER_CHECK(read_section(root, "secrets", project.secrets,
                          [&](const std::string& k, const Node& n) { return read_file_object(ctx, "secrets", k, n); }));
  PIER_CHECK(read_section(root, "configs", project.configs,
                          [&](const std::string& k, const Node& n) { return read_file_object(ctx, "configs", k, n); }));
  return {};
}

void add_default_network(const Context& ctx, Project& project) {
  if (project.networks.count("default")) return;
  for (const auto& [name, service] : project.services) {
    if (service.networks.count("default")) {
      NetworkConfig n;
      n.name = ctx.tree.name + "_default";
      project.networks["default"] = n;
      return;
    }
  }
}

}  // namespace pier::compose::detail
