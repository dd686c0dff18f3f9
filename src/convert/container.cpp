// The service's own container: image, entrypoint/command, working directory, user,
// capabilities, resources, ports and stdio flags.
#include <optional>

#include "base/strings.h"
#include "convert/names.h"
#include "convert/steps.h"

namespace pier::convert {
namespace {

// `user: 1000:1000` -> runAsUser/runAsGroup; names need the image's /etc/passwd,
// which Kubernetes does not read.
void add_user(Context& ctx, const compose::Service& s, json& security) {
  if (s.user.empty()) return;
  auto colon = s.user.find(':');
  std::string user = s.user.substr(0, colon);
  std::string group = colon == std::string::npos ? "" : s.user.substr(colon + 1);
  auto uid = parse_number(user);
  auto gid = group.empty() ? std::optional<int64_t>() : parse_number(group);
  if (uid) security["runAsUser"] = *uid;
  if (gid) security["runAsGroup"] = *gid;
  if (!uid || (!group.empty() && !gid))
    ctx.warn(s, "user", "`user: " + s.user + "`: only numeric ids convert (runAsUser/runAsGroup); write the uid and gid");
}

json capabilities(const std::vector<std::string>& names) {
  json out = json::array();
  for (const auto& n : names) out.push_back(starts_with(n, "CAP_") ? n.substr(4) : n);
  return out;
}

void add_security(Context& ctx, const compose::Service& s, json& container) {
  json security = json::object();
  add_user(ctx, s, security);
  if (!s.cap_add.empty()) security["capabilities"]["add"] = capabilities(s.cap_add);
  if (!s.cap_drop.empty()) security["capabilities"]["drop"] = capabilities(s.cap_drop);
  if (s.privileged) security["privileged"] = *s.privileged;
  if (s.read_only) security["readOnlyRootFilesystem"] = *s.read_only;
  if (!security.empty()) container["securityContext"] = std::move(security);
}

void add_quantities(const compose::ResourceSpec& spec, json& out) {
  if (spec.cpus) out["cpu"] = cpu_quantity(*spec.cpus);
  if (spec.memory) out["memory"] = bytes_quantity(*spec.memory);
}

// One GPU request (a deploy.resources.reservations.devices item or a `gpus` item) as a
// number of `nvidia.com/gpu`, the NVIDIA device plugin's resource. Kubernetes counts
// GPUs: `count: all` and chosen `device_ids` have no equivalent and are warned about.
std::optional<int64_t> gpu_count(Context& ctx, const compose::Service& s, const char* key, const compose::Json& r,
                                 bool gpu_default) {
  if (!r.is_object()) return std::nullopt;
  std::string driver = r.contains("driver") && r["driver"].is_string() ? r["driver"].get<std::string>() : "";
  bool gpu_cap = false;
  if (auto caps = r.find("capabilities"); caps != r.end() && caps->is_array())
    for (const auto& c : *caps) gpu_cap = gpu_cap || (c.is_string() && c.get<std::string>() == "gpu");
  bool gpu = driver == "nvidia" || gpu_cap || (gpu_default && driver.empty());
  if (!gpu) {
    ctx.warn(s, key, "a device request for driver `" + (driver.empty() ? std::string("(none)") : driver) +
                         "` is not converted: request the device plugin's resource by hand");
    return std::nullopt;
  }
  if (auto ids = r.find("device_ids"); ids != r.end() && ids->is_array() && !ids->empty()) {
    ctx.warn(s, key, "GPU `device_ids` become a count of nvidia.com/gpu: Kubernetes chooses which GPUs");
    return static_cast<int64_t>(ids->size());
  }
  auto count = r.find("count");
  if (count == r.end() || count->is_null() || (count->is_string() && count->get<std::string>() == "all")) {
    ctx.warn(s, key, "a request for all GPUs becomes 1 nvidia.com/gpu: Kubernetes has no `all`; set the number");
    return 1;
  }
  std::optional<int64_t> n;
  if (count->is_number_integer()) n = count->get<int64_t>();
  else if (count->is_string()) n = parse_number(count->get<std::string>());
  // Kubernetes refuses a negative quantity; `up` refuses the request too.
  if (!n || *n < 0) {
    ctx.warn(s, key, "GPU `count: " + count->dump() + "` is not a number of GPUs: write a count or `all`");
    return std::nullopt;
  }
  return n;
}

// GPU requests from `gpus:` and deploy device reservations, summed: extended resources
// go in `limits` (Kubernetes sets the request to the same number).
std::optional<int64_t> gpu_limit(Context& ctx, const compose::Service& s) {
  int64_t total = 0;
  bool any = false;
  auto add = [&](const char* key, const compose::Json& r, bool gpu_default) {
    if (auto n = gpu_count(ctx, s, key, r, gpu_default)) {
      total += *n;
      any = true;
    }
  };
  if (s.gpus) {
    if (s.gpus->is_string() && s.gpus->get<std::string>() == "all") add("gpus", compose::Json::object(), true);
    else if (s.gpus->is_array())
      for (const auto& r : *s.gpus) add("gpus", r, true);
  }
  if (s.deploy && s.deploy->reservations && s.deploy->reservations->devices &&
      s.deploy->reservations->devices->is_array())
    for (const auto& r : *s.deploy->reservations->devices) add("deploy", r, false);
  if (!any) return std::nullopt;
  return total;
}

// deploy.resources limits/reservations (and the service-level cpus, mem_limit,
// mem_reservation) -> limits/requests; GPU requests -> nvidia.com/gpu limits.
void add_resources(Context& ctx, const compose::Service& s, json& container) {
  json limits = json::object(), requests = json::object();
  if (s.cpus) limits["cpu"] = cpu_quantity(*s.cpus);
  if (s.mem_limit) limits["memory"] = bytes_quantity(*s.mem_limit);
  if (s.mem_reservation) requests["memory"] = bytes_quantity(*s.mem_reservation);
  if (s.deploy && s.deploy->limits) {
    add_quantities(*s.deploy->limits, limits);
    if (s.deploy->limits->pids)
      ctx.warn(s, "deploy", "`deploy.resources.limits.pids` is not converted: the PID limit is a kubelet setting");
  }
  if (s.deploy && s.deploy->reservations) {
    add_quantities(*s.deploy->reservations, requests);
  }
  if (auto gpus = gpu_limit(ctx, s)) limits["nvidia.com/gpu"] = *gpus;
  if (!limits.empty()) container["resources"]["limits"] = std::move(limits);
  if (!requests.empty()) container["resources"]["requests"] = std::move(requests);
}

std::string pull_policy(const std::string& compose_policy) {
  if (compose_policy == "always") return "Always";
  if (compose_policy == "never") return "Never";
  return "IfNotPresent";  // missing, if_not_present, build, daily/weekly/every_*
}

void add_ports(const compose::Service& s, json& container) {
  json ports = json::array();
  std::set<std::pair<uint32_t, std::string>> seen;
  for (const auto& p : s.ports) {
    std::string protocol = to_upper_protocol(p.protocol);
    if (!seen.insert({p.target, protocol}).second) continue;
    ports.push_back({{"containerPort", p.target}, {"protocol", protocol}});
  }
  if (!ports.empty()) container["ports"] = std::move(ports);
}

}  // namespace

std::string to_upper_protocol(const std::string& protocol) {
  if (protocol == "udp") return "UDP";
  if (protocol == "sctp") return "SCTP";
  return "TCP";
}

void add_container(Context& ctx, const compose::Service& s, Pod& pod) {
  json& c = pod.container;
  c["name"] = dns_label(s.name);
  c["image"] = s.image_or_default(ctx.project.name);
  // `pier build` tags a build-only service's image on this machine alone, unless
  // --push put it in a registry.
  if (auto pushed = ctx.options.pushed_images.find(s.name); pushed != ctx.options.pushed_images.end())
    c["image"] = pushed->second;
  else if (s.build && s.image.empty())
    ctx.warn(s, "build", "the image `" + s.image_or_default(ctx.project.name) +
                             "` is built on this machine only: push it to a registry the cluster pulls from "
                             "(`pier convert --push REGISTRY`) or set `image:`");
  c["imagePullPolicy"] = pull_policy(s.pull_policy);
  // Compose's entrypoint replaces the image's ENTRYPOINT (Kubernetes `command`), its
  // command the image's CMD (`args`).
  if (s.entrypoint) c["command"] = *s.entrypoint;
  if (s.command) c["args"] = *s.command;
  if (!s.working_dir.empty()) c["workingDir"] = s.working_dir;
  if (s.stdin_open) c["stdin"] = *s.stdin_open;
  if (s.tty) c["tty"] = *s.tty;
  add_ports(s, c);
  add_security(ctx, s, c);
  add_resources(ctx, s, c);
}

}  // namespace pier::convert
