// `volumes`, `tmpfs` and `shm_size` -> pod volumes and mounts. Named volumes become
// PersistentVolumeClaims: per replica (a StatefulSet claim template) when one service
// alone mounts it, one shared ReadWriteMany claim otherwise. A bind-mounted small text
// file becomes a ConfigMap; other bind mounts have no cluster equivalent.
#include <sys/stat.h>

#include "base/strings.h"
#include "compose/units.h"
#include "convert/names.h"
#include "convert/steps.h"

namespace pier::convert {
namespace {

constexpr const char* kDefaultStorage = "1Gi";
constexpr size_t kBindFileLimit = 1024 * 1024;

json claim_spec(const Context& ctx, const std::string& volume, const std::string& access_mode) {
  auto it = ctx.project.volumes.find(volume);
  json x = it == ctx.project.volumes.end() ? json::object() : extension(it->second.extensions);
  json spec = {{"accessModes", json::array({access_mode})},
               {"resources", {{"requests", {{"storage", x.value("storage", kDefaultStorage)}}}}}};
  std::string storage_class = x.value("storage-class", ctx.options.storage_class);
  if (!storage_class.empty()) spec["storageClassName"] = storage_class;
  return spec;
}

bool external(const Context& ctx, const std::string& volume) {
  auto it = ctx.project.volumes.find(volume);
  return it != ctx.project.volumes.end() && it->second.external;
}

std::string claim_name(const Context& ctx, const std::string& volume) {
  auto it = ctx.project.volumes.find(volume);
  if (it != ctx.project.volumes.end() && it->second.external) return dns_label(it->second.name);
  return dns_label(volume);
}

void add_mount(Pod& pod, const std::string& volume, const compose::ServiceVolume& v) {
  json m = {{"name", volume}, {"mountPath", v.target}};
  if (v.read_only) m["readOnly"] = true;
  if (v.volume && !v.volume->subpath.empty()) m["subPath"] = v.volume->subpath;
  pod.container["volumeMounts"].push_back(std::move(m));
}

void add_pod_volume(Pod& pod, json volume) {
  for (const auto& existing : pod.spec["volumes"])
    if (existing["name"] == volume["name"]) return;
  pod.spec["volumes"].push_back(std::move(volume));
}

json memory_dir(std::optional<compose::Bytes> size) {
  json dir = {{"medium", "Memory"}};
  if (size) dir["sizeLimit"] = bytes_quantity(*size);
  return dir;
}

void named_volume(Context& ctx, const compose::ServiceVolume& v, Pod& pod) {
  std::string name = dns_label(v.source);
  if (ctx.claim_templates.count(v.source)) {
    pod.claim_templates.push_back({{"metadata", {{"name", name}}}, {"spec", claim_spec(ctx, v.source, "ReadWriteOnce")}});
  } else {
    add_pod_volume(pod, {{"name", name}, {"persistentVolumeClaim", {{"claimName", claim_name(ctx, v.source)}}}});
  }
  add_mount(pod, name, v);
}

// A small text file -> a ConfigMap mounted with subPath; anything else is a warning.
void bind_mount(Context& ctx, const compose::Service& s, const compose::ServiceVolume& v, size_t index, Pod& pod) {
  struct stat st {};
  std::string where = "service \"" + s.name + "\": bind mount `" + v.source + "` -> `" + v.target + "`";
  const compose::Mark& mark = v.mark.known() ? v.mark : key_mark(s, "volumes");
  if (::stat(v.source.c_str(), &st) != 0) {
    ctx.warn(mark, where + " is not converted: the source does not exist here, so its content cannot go into a ConfigMap");
    return;
  }
  if (!S_ISREG(st.st_mode)) {
    ctx.warn(mark, where + " is not converted: a directory of this machine is not on the cluster's nodes (use a named volume or bake it into the image)");
    return;
  }
  auto data = read_small_file(v.source, kBindFileLimit);
  if (!data || !is_text(*data)) {
    ctx.warn(mark, where + " is not converted: only text files up to 1 MiB become ConfigMaps");
    return;
  }
  std::string file = v.target.substr(v.target.rfind('/') + 1);
  std::string name = dns_label(s.name + "-file-" + std::to_string(index));
  json map = ctx.make("v1", "ConfigMap", name);
  map["data"]["content"] = *data;
  ctx.emit(std::move(map));
  add_pod_volume(pod, {{"name", name}, {"configMap", {{"name", name}, {"items", json::array({{{"key", "content"}, {"path", file}}})}}}});
  pod.container["volumeMounts"].push_back(
      {{"name", name}, {"mountPath", v.target}, {"subPath", file}, {"readOnly", true}});
}

// `/run:size=64m,mode=1777`: the path and its size; other options have no emptyDir field.
std::pair<std::string, std::optional<compose::Bytes>> tmpfs_entry(Context& ctx, const compose::Service& s,
                                                                  const std::string& entry) {
  auto colon = entry.find(':');
  std::optional<compose::Bytes> size;
  if (colon == std::string::npos) return {entry, size};
  for (const auto& option : split(entry.substr(colon + 1), ',')) {
    if (starts_with(option, "size=")) {
      if (auto bytes = compose::parse_bytes(option.substr(5)); bytes.ok()) {
        size = *bytes;
        continue;
      }
    }
    ctx.warn(s, "tmpfs", "tmpfs `" + entry.substr(0, colon) + "`: option `" + option +
                             "` is not converted: an emptyDir has only a size limit");
  }
  return {entry.substr(0, colon), size};
}

}  // namespace

void count_volume_users(Context& ctx) {
  for (const auto& [_, s] : ctx.project.services) {
    if (s.disabled) continue;
    std::set<std::string> mine;
    for (const auto& v : s.volumes)
      if (v.type == "volume" && !v.source.empty()) mine.insert(v.source);
    for (const auto& name : mine) ctx.volume_users[name]++;
  }
}

void add_storage(Context& ctx, const compose::Service& s, Pod& pod) {
  size_t index = 0;
  for (const auto& v : s.volumes) {
    ++index;
    if (v.type == "volume" && !v.source.empty()) {
      named_volume(ctx, v, pod);
    } else if (v.type == "volume" || v.type == "tmpfs") {
      // Anonymous volumes live as long as the container: an emptyDir lives as long as the pod.
      std::string name = "scratch-" + std::to_string(index);
      json dir = v.type == "tmpfs" ? memory_dir(v.tmpfs ? v.tmpfs->size : std::nullopt) : json::object();
      add_pod_volume(pod, {{"name", name}, {"emptyDir", dir}});
      add_mount(pod, name, v);
    } else if (v.type == "bind") {
      bind_mount(ctx, s, v, index, pod);
    } else {
      ctx.warn(v.mark.known() ? v.mark : key_mark(s, "volumes"), "service \"" + s.name + "\": a `" + v.type +
                                                                  "` mount of `" + v.target + "` is not converted");
    }
  }
  for (size_t i = 0; i < s.tmpfs.size(); ++i) {
    std::string name = "tmpfs-" + std::to_string(i + 1);
    auto [target, size] = tmpfs_entry(ctx, s, s.tmpfs[i]);
    add_pod_volume(pod, {{"name", name}, {"emptyDir", memory_dir(size)}});
    pod.container["volumeMounts"].push_back({{"name", name}, {"mountPath", target}});
  }
  if (s.shm_size) {
    add_pod_volume(pod, {{"name", "dshm"}, {"emptyDir", memory_dir(s.shm_size)}});
    pod.container["volumeMounts"].push_back({{"name", "dshm"}, {"mountPath", "/dev/shm"}});
  }
}

void add_volume_claims(Context& ctx) {
  for (const auto& [volume, users] : ctx.volume_users) {
    if (ctx.claim_templates.count(volume) || external(ctx, volume)) continue;
    // One service: its pods alone use it. Several: every node that runs one must
    // mount it, which needs ReadWriteMany.
    json claim = ctx.make("v1", "PersistentVolumeClaim", dns_label(volume));
    claim["spec"] = claim_spec(ctx, volume, users > 1 ? "ReadWriteMany" : "ReadWriteOnce");
    ctx.emit(std::move(claim));
  }
}

}  // namespace pier::convert
