// One workload per service: a Deployment, a StatefulSet when it alone mounts a named
// volume (each replica gets its own claim), a DaemonSet for deploy.mode global, a Job
// for what runs to completion (docs/kubernetes.md, "Workloads").
#include "convert/names.h"
#include "convert/steps.h"

namespace pier::convert {
namespace {

bool written_no_restart(const compose::Service& s) {
  if (s.key_marks.count("restart") && s.restart == "no") return true;
  return s.deploy && s.deploy->restart_policy && s.deploy->restart_policy->condition == "none";
}

bool restarts_on_failure(const compose::Service& s) {
  if (s.restart.rfind("on-failure", 0) == 0) return true;
  return s.deploy && s.deploy->restart_policy && s.deploy->restart_policy->condition == "on-failure";
}

// `on-failure:3`, or deploy.restart_policy's max_attempts: a bounded number of retries,
// which a Job's backoffLimit keeps (a Deployment retries forever).
std::optional<int64_t> failure_retries(const compose::Service& s) {
  if (s.restart.rfind("on-failure:", 0) == 0) return parse_number(std::string_view(s.restart).substr(11));
  if (restarts_on_failure(s) && s.deploy && s.deploy->restart_policy && s.deploy->restart_policy->max_attempts)
    return static_cast<int64_t>(*s.deploy->restart_policy->max_attempts);
  return std::nullopt;
}

// A named volume of the project that no other enabled service mounts.
bool own_volume(Context& ctx, const compose::ServiceVolume& v) {
  if (v.type != "volume" || v.source.empty() || ctx.volume_users[v.source] != 1) return false;
  auto it = ctx.project.volumes.find(v.source);
  return it != ctx.project.volumes.end() && !it->second.external;
}

std::string workload_kind(Context& ctx, const compose::Service& s) {
  if (s.deploy && s.deploy->mode == "global") return "DaemonSet";
  if (runs_to_completion(ctx, s)) return "Job";
  for (const auto& v : s.volumes)
    if (own_volume(ctx, v)) return "StatefulSet";
  return "Deployment";
}

// Compose labels go on the pod where Kubernetes label syntax allows, else (free text,
// long values) to annotations, where they are kept as written. A label the selector
// uses keeps pier's value: another would leave the workload without its pods.
void add_metadata(Context& ctx, const compose::Service& s, const json& selector, json& meta) {
  meta["labels"] = selector;
  for (const auto& [k, v] : s.labels) {
    if (selector.contains(k))
      ctx.warn(s, "labels", "label `" + k + "` is not converted: it selects the service's pods");
    else if (valid_label(k, v))
      meta["labels"][k] = v;
    else
      meta["annotations"][k] = v;
  }
  for (const auto& [k, v] : s.annotations) meta["annotations"][k] = v;
}

void warn_deploy(Context& ctx, const compose::Service& s) {
  if (!s.deploy) return;
  const auto& d = *s.deploy;
  auto drop = [&](const char* key, const char* why) {
    ctx.warn(s, "deploy", "`deploy." + std::string(key) + "` is not converted: " + why);
  };
  if (d.placement) drop("placement", "use x-kubernetes.node-selector");
  if (!d.endpoint_mode.empty() && d.endpoint_mode != "vip")
    drop("endpoint_mode", "a Service always has a virtual IP here (make it headless by hand)");
  if (d.update_config) drop("update_config", "set the workload's update strategy by hand");
  if (d.rollback_config) drop("rollback_config", "rollbacks are `kubectl rollout undo`");
  if (d.restart_policy && (d.restart_policy->delay || d.restart_policy->window))
    drop("restart_policy.delay/window", "the kubelet's back-off decides when to restart");
}

}  // namespace

bool runs_to_completion(const Context& ctx, const compose::Service& s) {
  if (written_no_restart(s) || failure_retries(s)) return true;
  for (const auto& [_, other] : ctx.project.services) {
    if (other.disabled) continue;
    auto it = other.depends_on.find(s.name);
    if (it != other.depends_on.end() && it->second.condition == "service_completed_successfully") return true;
  }
  return false;
}

void add_workload(Context& ctx, const compose::Service& s) {
  std::string kind = workload_kind(ctx, s);
  if (kind == "StatefulSet")
    for (const auto& v : s.volumes)
      if (own_volume(ctx, v)) ctx.claim_templates.insert(v.source);

  Pod pod;
  add_container(ctx, s, pod);
  add_probes(ctx, s, pod);
  add_environment(ctx, s, pod);
  add_file_mounts(ctx, s, pod);
  add_storage(ctx, s, pod);
  add_dependencies(ctx, s, pod);
  add_pod_settings(ctx, s, pod);

  json selector = selector_labels(ctx, s);
  json pod_template = {{"metadata", json::object()}, {"spec", pod.spec}};
  add_metadata(ctx, s, selector, pod_template["metadata"]);
  if (ctx.isolate_networks)
    for (const auto& [network, _] : s.networks) pod_template["metadata"]["labels"][network_label(network)] = "true";
  json& spec = pod_template["spec"];
  spec["containers"] = json::array({pod.container});

  json body = ctx.make(kind == "Job" ? "batch/v1" : "apps/v1", kind, dns_label(s.name));
  for (const auto& [k, v] : s.deploy ? s.deploy->labels : compose::StringMap{})
    if (valid_label(k, v)) body["metadata"]["labels"][k] = v;
    else body["metadata"]["annotations"][k] = v;
  if (kind == "Job") {
    spec["restartPolicy"] = restarts_on_failure(s) ? "OnFailure" : "Never";
    body["spec"]["backoffLimit"] = failure_retries(s).value_or(0);
    // `scale: N` one-shots each run once: N completions, all at once.
    if (s.replicas() != 1) {
      body["spec"]["parallelism"] = s.replicas();
      body["spec"]["completions"] = s.replicas();
    }
  } else {
    spec["restartPolicy"] = "Always";
    if (restarts_on_failure(s))
      ctx.warn(s, s.key_marks.count("restart") ? "restart" : "deploy",
               "`on-failure` is converted to `Always`: a long-running workload restarts after any exit");
    body["spec"]["selector"] = {{"matchLabels", selector}};
    if (kind != "DaemonSet") body["spec"]["replicas"] = s.replicas();
  }
  if (kind == "StatefulSet") {
    body["spec"]["serviceName"] = dns_label(s.name);
    body["spec"]["volumeClaimTemplates"] = pod.claim_templates;
  }
  body["spec"]["template"] = std::move(pod_template);
  ctx.emit(std::move(body));
  warn_deploy(ctx, s);
}

}  // namespace pier::convert
