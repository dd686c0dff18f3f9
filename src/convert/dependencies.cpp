// depends_on -> init containers that wait. For service_started and service_healthy
// the wait is until the dependency's Service answers: its readiness probe (from its
// healthcheck) keeps it out of the Service until it is healthy, so one wait covers
// both. service_completed_successfully makes the dependency a Job (workload.cpp) and
// the wait is `kubectl wait` for its completion, under a service account that may only
// read the namespace's Jobs (a pod sees no Job without API access).
#include "convert/names.h"
#include "convert/steps.h"

namespace pier::convert {
namespace {

constexpr const char* kWaitImage = "busybox:1.36";
constexpr const char* kKubectlImage = "bitnami/kubectl:1.32";
constexpr const char* kJobWaiter = "pier-job-waiter";

// The first port the dependency's Service has: ports' targets, then expose.
std::optional<std::string> service_port(const compose::Service& dep) {
  for (const auto& p : dep.ports)
    if (p.protocol == "tcp") return std::to_string(p.target);
  for (const auto& e : dep.expose) {
    std::string port = e.substr(0, e.find_first_of("-/"));
    if (e.find("/udp") == std::string::npos) return port;
  }
  return std::nullopt;
}

// The API credentials go to the waiting init container alone: the pod does not mount
// its service account token, so the service's own containers get no API access.
json api_credentials() {
  json token = {{"serviceAccountToken", {{"path", "token"}}}};
  json ca = {{"configMap", {{"name", "kube-root-ca.crt"}, {"items", json::array({{{"key", "ca.crt"}, {"path", "ca.crt"}}})}}}};
  json ns = {{"downwardAPI",
              {{"items", json::array({{{"path", "namespace"}, {"fieldRef", {{"fieldPath", "metadata.namespace"}}}}})}}}};
  return {{"name", kJobWaiter}, {"projected", {{"sources", json::array({token, ca, ns})}}}};
}

// A Job that is missing or fails never completes: the pod stays in its init phase, as
// Compose does not start a service whose dependency failed.
void wait_for_job(Pod& pod, const std::string& job) {
  pod.spec["serviceAccountName"] = kJobWaiter;
  pod.spec["automountServiceAccountToken"] = false;
  bool mounted = false;
  for (const auto& v : pod.spec["volumes"]) mounted = mounted || v["name"] == kJobWaiter;
  if (!mounted) pod.spec["volumes"].push_back(api_credentials());
  std::string script = "until kubectl wait --for=condition=complete --timeout=60s job/" + job +
                       "; do echo waiting for job " + job + "; sleep 2; done";
  pod.spec["initContainers"].push_back(
      {{"name", dns_label("wait-for-" + job)},
       {"image", kKubectlImage},
       {"command", json::array({"sh", "-c", script})},
       {"volumeMounts", json::array({{{"name", kJobWaiter},
                                      {"mountPath", "/var/run/secrets/kubernetes.io/serviceaccount"},
                                      {"readOnly", true}}})}});
}

}  // namespace

void add_dependencies(Context& ctx, const compose::Service& s, Pod& pod) {
  for (const auto& [name, dep] : s.depends_on) {
    const compose::Service* target = ctx.project.find_service(name);
    if (!target || target->disabled) continue;  // optional dependency left out by profiles
    std::string where = "depends_on \"" + name + "\" (" + dep.condition + ")";
    const compose::Mark& mark = dep.mark.known() ? dep.mark : key_mark(s, "depends_on");
    if (dep.restart)
      ctx.warn(mark, "service \"" + s.name + "\": " + where + ": `restart: true` is not converted: pods are not restarted with their dependencies");
    if (dep.condition == "service_completed_successfully") {
      wait_for_job(pod, dns_label(name));
      ctx.needs_job_waiter = true;
      continue;
    }
    auto port = service_port(*target);
    if (!port) {
      ctx.warn(mark, "service \"" + s.name + "\": " + where + " is not converted: \"" + name +
                         "\" has no TCP port (ports or expose), so there is no Service to wait for");
      continue;
    }
    std::string host = dns_label(name);
    std::string script = "until nc -z -w 2 " + host + " " + *port + "; do echo waiting for " + host + ":" + *port +
                         "; sleep 2; done";
    pod.spec["initContainers"].push_back({{"name", dns_label("wait-for-" + name)},
                                          {"image", kWaitImage},
                                          {"command", json::array({"sh", "-c", script})}});
  }
}

void add_job_waiter(Context& ctx) {
  if (!ctx.needs_job_waiter) return;
  ctx.emit(ctx.make("v1", "ServiceAccount", kJobWaiter));
  json role = ctx.make("rbac.authorization.k8s.io/v1", "Role", kJobWaiter);
  role["rules"] = json::array(
      {{{"apiGroups", json::array({"batch"})}, {"resources", json::array({"jobs"})},
        {"verbs", json::array({"get", "list", "watch"})}}});
  ctx.emit(std::move(role));
  json binding = ctx.make("rbac.authorization.k8s.io/v1", "RoleBinding", kJobWaiter);
  binding["roleRef"] = {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Role"}, {"name", kJobWaiter}};
  binding["subjects"] = json::array({{{"kind", "ServiceAccount"}, {"name", kJobWaiter}, {"namespace", ctx.ns}}});
  ctx.emit(std::move(binding));
}

}  // namespace pier::convert
