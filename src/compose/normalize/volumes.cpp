// Service volumes: short `[source:]target[:mode]` and the long form (bind, volume,
// tmpfs, npipe, image, cluster). Bind sources become absolute paths.
#include <algorithm>

#include "base/strings.h"
#include "compose/normalize/common.h"

namespace pier::compose::detail {

namespace {

bool is_path_like(const std::string& source) {
  return starts_with(source, "/") || starts_with(source, ".") || starts_with(source, "~") ||
         source.find('/') != std::string::npos;
}

bool is_propagation(const std::string& opt) {
  return opt == "shared" || opt == "rshared" || opt == "slave" || opt == "rslave" ||
         opt == "private" || opt == "rprivate";
}

Status apply_short_modes(const Node& node, const std::string& modes, ServiceVolume& v) {
  for (const auto& opt : split(modes, ',')) {
    if (opt == "ro") v.read_only = true;
    else if (opt == "rw") v.read_only = false;
    else if (opt == "z" || opt == "Z") v.bind->selinux = opt;
    else if (opt == "nocopy") {
      if (!v.volume) return error_at(node, "volume option `nocopy` applies only to named volumes");
      v.volume->nocopy = true;
    } else if (is_propagation(opt)) {
      if (!v.bind) return error_at(node, "volume option `" + opt + "` applies only to bind mounts");
      v.bind->propagation = opt;
    } else if (opt == "cached" || opt == "delegated" || opt == "consistent") {
      v.consistency = opt;
    } else {
      return error_at(node, "unknown volume option `" + opt + "` in `" + node.value() + "`")
          .hint("use ro, rw, z, Z, nocopy or a propagation mode such as rshared");
    }
  }
  return {};
}

Result<ServiceVolume> parse_short_volume(const Context& ctx, const Node& node) {
  ServiceVolume v;
  v.mark = node.mark();
  std::vector<std::string> parts = split(node.value(), ':');
  if (parts.empty() || parts.size() > 3 || parts[0].empty()) {
    return error_at(node, "invalid volume `" + node.value() + "`")
        .hint("use [SOURCE:]TARGET[:MODE], e.g. ./data:/data:ro");
  }
  if (parts.size() == 1) {
    v.type = "volume";
    v.target = parts[0];
    v.volume = VolumeOptions{};
    return v;
  }
  v.target = parts[1];
  if (v.target.empty()) return error_at(node, "volume `" + node.value() + "` has an empty target");
  if (is_path_like(parts[0])) {
    v.type = "bind";
    v.source = resolve_path(ctx, parts[0]);
    // Docker Compose creates missing bind sources for the short syntax and prints so.
    v.bind = BindOptions{};
    v.bind->create_host_path = true;
  } else {
    v.type = "volume";
    v.source = parts[0];
    v.volume = VolumeOptions{};
  }
  if (parts.size() == 3) {
    if (!v.bind && (parts[2].find('z') != std::string::npos || parts[2].find('Z') != std::string::npos)) {
      v.bind = BindOptions{};  // SELinux relabelling is kept even on named volumes
    }
    PIER_CHECK(apply_short_modes(node, parts[2], v));
  }
  return v;
}

Status read_bind_options(const Node& node, ServiceVolume& v) {
  PIER_CHECK(expect_mapping(node, "bind"));
  PIER_CHECK(check_keys(node, {"propagation", "create_host_path", "selinux"}));
  v.bind = BindOptions{};
  if (const Node* n = node.find("propagation")) {
    PIER_TRY(v.bind->propagation, read_string(*n, "bind.propagation"));
    if (!is_propagation(v.bind->propagation))
      return error_at(*n, "unknown bind propagation `" + v.bind->propagation + "`");
  }
  if (const Node* n = node.find("create_host_path")) { PIER_TRY(v.bind->create_host_path, read_bool(*n, "bind.create_host_path")); }
  if (const Node* n = node.find("selinux")) {
    PIER_TRY(v.bind->selinux, read_string(*n, "bind.selinux"));
    if (v.bind->selinux != "z" && v.bind->selinux != "Z")
      return error_at(*n, "`bind.selinux` must be `z` or `Z`");
  }
  return {};
}

Status read_type_options(const Node& node, ServiceVolume& v) {
  if (const Node* n = node.find("bind")) { PIER_CHECK(read_bind_options(*n, v)); }
  if (const Node* n = node.find("volume")) {
    PIER_CHECK(expect_mapping(*n, "volume"));
    PIER_CHECK(check_keys(*n, {"nocopy", "subpath"}));
    v.volume = VolumeOptions{};
    if (const Node* x = n->find("nocopy")) { PIER_TRY(v.volume->nocopy, read_bool(*x, "volume.nocopy")); }
    if (const Node* x = n->find("subpath")) { PIER_TRY(v.volume->subpath, read_string(*x, "volume.subpath")); }
  }
  if (const Node* n = node.find("tmpfs")) {
    PIER_CHECK(expect_mapping(*n, "tmpfs"));
    PIER_CHECK(check_keys(*n, {"size", "mode"}));
    v.tmpfs = TmpfsOptions{};
    if (const Node* x = n->find("size")) { PIER_TRY(v.tmpfs->size, read_bytes(*x, "tmpfs.size")); }
    if (const Node* x = n->find("mode")) {
      PIER_TRY(int64_t mode, read_int(*x, "tmpfs.mode"));
      v.tmpfs->mode = static_cast<uint32_t>(mode);
    }
  }
  if (const Node* n = node.find("image")) {
    PIER_CHECK(expect_mapping(*n, "image"));
    PIER_CHECK(check_keys(*n, {"subpath"}));
    v.image = ImageMountOptions{};
    if (const Node* x = n->find("subpath")) { PIER_TRY(v.image->subpath, read_string(*x, "image.subpath")); }
  }
  return {};
}

Result<ServiceVolume> parse_long_volume(const Context& ctx, const Node& node) {
  PIER_CHECK(check_keys(node, {"type", "source", "target", "read_only", "consistency", "bind",
                               "volume", "tmpfs", "image"}));
  ServiceVolume v;
  v.mark = node.mark();
  const Node* type = node.find("type");
  if (!type) return error_at(node, "volume has no `type`").hint("add `type: bind`, `volume` or `tmpfs`");
  PIER_TRY(v.type, read_string(*type, "type"));
  static const std::vector<std::string> types = {"bind", "volume", "tmpfs", "npipe", "image", "cluster"};
  if (std::find(types.begin(), types.end(), v.type) == types.end()) {
    Error e = error_at(*type, "unknown volume type `" + v.type + "`");
    std::string guess = closest_match(v.type, types);
    return guess.empty() ? e : std::move(e).hint("did you mean `" + guess + "`?");
  }
  if (const Node* n = node.find("source")) { PIER_TRY(v.source, read_string(*n, "source")); }
  if (const Node* n = node.find("target")) { PIER_TRY(v.target, read_string(*n, "target")); }
  if (v.target.empty()) return error_at(node, "volume has no `target`");
  if (const Node* n = node.find("read_only")) { PIER_TRY(v.read_only, read_bool(*n, "read_only")); }
  if (const Node* n = node.find("consistency")) { PIER_TRY(v.consistency, read_string(*n, "consistency")); }
  PIER_CHECK(read_type_options(node, v));
  if (v.type == "bind") {
    if (v.source.empty()) return error_at(node, "bind mount has no `source`");
    v.source = resolve_path(ctx, v.source);
  }
  if (v.type == "tmpfs" && !v.source.empty())
    return error_at(*node.find("source"), "a tmpfs mount takes no `source`");
  return v;
}

}  // namespace

Result<ServiceVolume> parse_service_volume(const Context& ctx, const Node& node) {
  if (node.is_scalar()) return parse_short_volume(ctx, node);
  if (node.is_mapping()) return parse_long_volume(ctx, node);
  return type_error(node, "volumes item", "a string or a mapping");
}

Result<std::vector<DeviceMapping>> normalize_devices(const Node& node) {
  std::vector<DeviceMapping> out;
  if (!node.is_sequence()) return type_error(node, "devices", "a sequence");
  for (const auto& item : node.items()) {
    DeviceMapping d;
    if (item.is_mapping()) {
      PIER_CHECK(check_keys(item, {"source", "target", "permissions"}));
      if (const Node* n = item.find("source")) { PIER_TRY(d.source, read_string(*n, "source")); }
      if (const Node* n = item.find("target")) { PIER_TRY(d.target, read_string(*n, "target")); }
      if (const Node* n = item.find("permissions")) { PIER_TRY(d.permissions, read_string(*n, "permissions")); }
    } else if (item.is_scalar()) {
      std::vector<std::string> parts = split(item.value(), ':');
      if (parts.size() > 3 || parts[0].empty())
        return error_at(item, "invalid device `" + item.value() + "`").hint("use /dev/host[:/dev/container[:rwm]]");
      d.source = parts[0];
      if (parts.size() >= 2) d.target = parts[1];
      if (parts.size() == 3) d.permissions = parts[2];
    } else {
      return type_error(item, "devices item", "a string or a mapping");
    }
    if (d.source.empty()) return error_at(item, "device has no `source`");
    if (d.target.empty()) d.target = d.source;
    if (d.permissions.empty()) d.permissions = "rwm";
    if (d.permissions.find_first_not_of("rwm") != std::string::npos)
      return error_at(item, "invalid device permissions `" + d.permissions + "`").hint("use a combination of r, w and m");
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace pier::compose::detail
