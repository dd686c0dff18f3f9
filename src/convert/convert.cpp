// The driver: checks the x-kubernetes extensions, runs the per-service steps, then the
// project-wide objects, and sorts the result so the output is stable.
#include "convert/convert.h"

#include <algorithm>
#include <set>

#include "convert/keys.h"
#include "convert/names.h"
#include "convert/steps.h"

namespace pier::convert {
namespace {

const std::set<std::string> kServiceTypes = {"ClusterIP", "NodePort", "LoadBalancer"};

// What each x-kubernetes key must be: a string, or a mapping of strings.
enum class Shape { String, StringMap };
const std::map<std::string, Shape> kServiceKeys = {
    {"service-type", Shape::String}, {"node-selector", Shape::StringMap}, {"ingress-host", Shape::String}};
const std::map<std::string, Shape> kVolumeKeys = {{"storage", Shape::String}, {"storage-class", Shape::String}};

Status check_extension(Context& ctx, const std::map<std::string, compose::Json>& extensions,
                       const std::map<std::string, Shape>& keys, const compose::Mark& mark, const std::string& owner) {
  auto it = extensions.find("x-kubernetes");
  if (it == extensions.end()) return {};
  std::string where = mark.to_string();
  auto fail = [&](const std::string& what) {
    return Error((where.empty() ? "" : where + ": ") + owner + ": `x-kubernetes" + what);
  };
  if (!it->second.is_object()) return fail("` must be a mapping");
  for (const auto& [key, value] : it->second.items()) {
    auto shape = keys.find(key);
    if (shape == keys.end()) {
      ctx.warn(mark, owner + ": `x-kubernetes." + key + "` is unknown and ignored");
      continue;
    }
    bool ok = shape->second == Shape::String ? value.is_string() : value.is_object();
    if (ok && shape->second == Shape::StringMap)
      for (const auto& [_, v] : value.items()) ok = ok && v.is_string();
    if (!ok)
      return fail("." + key + "` must be " + (shape->second == Shape::String ? "a string" : "a mapping of strings"));
    if (key == "service-type" && !kServiceTypes.count(value.get<std::string>()))
      return fail(".service-type` must be ClusterIP, NodePort or LoadBalancer");
  }
  return {};
}

Status check_extensions(Context& ctx) {
  for (const auto& [name, s] : ctx.project.services)
    if (!s.disabled)
      PIER_CHECK(check_extension(ctx, s.extensions, kServiceKeys, key_mark(s, "x-kubernetes"), "service \"" + name + "\""));
  for (const auto& [name, v] : ctx.project.volumes)
    PIER_CHECK(check_extension(ctx, v.extensions, kVolumeKeys, v.mark, "volume \"" + name + "\""));
  return {};
}

void warn_network_settings(Context& ctx, const compose::Service& s) {
  for (const auto& [name, n] : s.networks) {
    const compose::Mark& mark = n.mark.known() ? n.mark : key_mark(s, "networks");
    std::string where = "service \"" + s.name + "\": network \"" + name + "\": ";
    if (!n.aliases.empty())
      ctx.warn(mark, where + "`aliases` are not converted: only the service name resolves (add a Service by hand)");
    if (!n.ipv4_address.empty() || !n.ipv6_address.empty())
      ctx.warn(mark, where + "fixed addresses are not converted: pod addresses belong to the network plugin");
  }
}

// Namespace first, then the objects others refer to, then workloads, then the rest.
int kind_rank(const std::string& kind) {
  static const std::vector<std::string> order = {
      "Namespace", "ServiceAccount", "Role", "RoleBinding", "ConfigMap", "Secret", "PersistentVolumeClaim", "Service", "Deployment",
      "StatefulSet", "DaemonSet", "Job", "Ingress", "NetworkPolicy"};
  auto it = std::find(order.begin(), order.end(), kind);
  return static_cast<int>(it - order.begin());
}

}  // namespace

json extension(const std::map<std::string, compose::Json>& extensions) {
  auto it = extensions.find("x-kubernetes");
  if (it == extensions.end() || !it->second.is_object()) return json::object();
  return json::parse(it->second.dump());
}

Result<Manifests> convert_project(const compose::Project& project, const Options& options) {
  if (!kServiceTypes.count(options.service_type))
    return Error("--service-type `" + options.service_type + "`: must be ClusterIP, NodePort or LoadBalancer");
  Context ctx{project, options, dns_label(options.namespace_name.empty() ? project.name : options.namespace_name), {}};
  PIER_CHECK(check_extensions(ctx));
  ctx.emit(ctx.make("v1", "Namespace", ctx.ns));
  count_volume_users(ctx);
  ctx.isolate_networks = networks_isolate(ctx);
  for (const auto& [_, s] : project.services) {
    if (s.disabled) continue;
    add_workload(ctx, s);
    add_service_objects(ctx, s);
    warn_unconverted_keys(ctx, s);
    warn_network_settings(ctx, s);
  }
  add_volume_claims(ctx);
  add_file_objects(ctx);
  add_network_policies(ctx);
  add_job_waiter(ctx);
  warn_unconverted_top_level(ctx);
  std::stable_sort(ctx.out.objects.begin(), ctx.out.objects.end(), [](const Object& a, const Object& b) {
    int ra = kind_rank(a.kind), rb = kind_rank(b.kind);
    return ra != rb ? ra < rb : a.name < b.name;
  });
  for (size_t i = 1; i < ctx.out.objects.size(); ++i) {
    const Object &a = ctx.out.objects[i - 1], &b = ctx.out.objects[i];
    // Compose names that differ only in case or punctuation (`my_app`, `my-app`).
    if (a.kind == b.kind && a.name == b.name)
      return Error("two " + a.kind + " objects would both be named `" + a.name +
                   "` (Kubernetes names are lower-case letters, digits and '-'): rename one of the services or volumes");
  }
  return std::move(ctx.out);
}

std::map<std::string, std::string> build_only_images(const compose::Project& project) {
  std::map<std::string, std::string> images;
  for (const auto& [name, s] : project.services)
    if (s.build && s.image.empty()) images[name] = s.image_or_default(project.name);
  return images;
}

}  // namespace pier::convert
