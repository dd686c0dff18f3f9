// Pod-level settings: hostname, hostAliases, DNS, sysctls, host namespaces, init,
// the stop grace period, node selection and lifecycle hooks.
#include <map>

#include "base/strings.h"
#include "convert/names.h"
#include "convert/steps.h"

namespace pier::convert {
namespace {

void add_dns(const compose::Service& s, json& spec) {
  json config = json::object();
  if (!s.dns.empty()) config["nameservers"] = s.dns;
  if (!s.dns_search.empty()) config["searches"] = s.dns_search;
  for (const auto& opt : s.dns_opt) {
    auto colon = opt.find(':');
    json o = {{"name", opt.substr(0, colon)}};
    if (colon != std::string::npos) o["value"] = opt.substr(colon + 1);
    config["options"].push_back(std::move(o));
  }
  // Under the default ClusterFirst policy these add to the cluster's DNS, so Service
  // names still resolve.
  if (!config.empty()) spec["dnsConfig"] = std::move(config);
}

void add_host_aliases(Context& ctx, const compose::Service& s, json& spec) {
  std::map<std::string, std::vector<std::string>> by_ip;
  for (const auto& h : s.extra_hosts) by_ip[h.ip].push_back(h.host);
  for (auto& [ip, hosts] : by_ip) {
    if (ip == "host-gateway") {
      ctx.warn(s, "extra_hosts", "`" + join(hosts, ", ") + "=host-gateway` is not converted: a pod has no Docker host to reach");
      continue;
    }
    spec["hostAliases"].push_back({{"ip", ip}, {"hostnames", hosts}});
  }
}

// network_mode, pid and ipc: only `host` has a pod equivalent.
void add_namespaces(Context& ctx, const compose::Service& s, json& spec) {
  struct Mode { const char* key; const std::string& value; const char* field; };
  for (const Mode& m : {Mode{"network_mode", s.network_mode, "hostNetwork"}, Mode{"pid", s.pid, "hostPID"},
                        Mode{"ipc", s.ipc, "hostIPC"}}) {
    if (m.value.empty() || m.value == "bridge" || m.value == "private" || m.value == "shareable" ||
        m.value == "default")
      continue;
    if (m.value == "host") spec[m.field] = true;
    else if (m.value != "none")
      ctx.warn(s, m.key, "`" + std::string(m.key) + ": " + m.value + "` is not converted: pods share namespaces only with the host");
  }
}

void add_node_selector(const compose::Service& s, json& spec) {
  json selector = extension(s.extensions).value("node-selector", json::object());
  if (!s.platform.empty()) {
    auto parts = split(s.platform, '/');
    if (parts.size() >= 1) selector["kubernetes.io/os"] = parts[0];
    if (parts.size() >= 2) selector["kubernetes.io/arch"] = parts[1];
  }
  if (!selector.empty()) spec["nodeSelector"] = std::move(selector);
}

json exec_handler(const compose::ServiceHook& hook) { return {{"exec", {{"command", hook.command}}}}; }

// post_start/pre_stop -> lifecycle handlers (the first hook: a container has one of
// each); pre_start -> init containers (the service's image, or the step's own).
void add_hooks(Context& ctx, const compose::Service& s, Pod& pod) {
  struct Hooks { const char* key; const std::vector<compose::ServiceHook>& hooks; const char* handler; };
  for (const Hooks& h : {Hooks{"post_start", s.post_start, "postStart"}, Hooks{"pre_stop", s.pre_stop, "preStop"}}) {
    if (h.hooks.empty()) continue;
    pod.container["lifecycle"][h.handler] = exec_handler(h.hooks[0]);
    if (h.hooks.size() > 1)
      ctx.warn(s, h.key, "only the first `" + std::string(h.key) + "` hook is converted: a container has one " + h.handler + " handler");
    for (const auto& hook : h.hooks)
      if (!hook.user.empty() || hook.privileged || !hook.working_dir.empty() || !hook.environment.empty()) {
        ctx.warn(s, h.key, "`" + std::string(h.key) + "` hook `user`, `privileged`, `working_dir` and `environment` are not converted: handlers run as the container");
        break;
      }
  }
  for (size_t i = 0; i < s.pre_start.size(); ++i) {
    const auto& hook = s.pre_start[i];
    // Its own image when it names one; without a command, the image's.
    json init = {{"name", "pre-start-" + std::to_string(i + 1)},
                 {"image", hook.image.empty() ? pod.container["image"] : json(hook.image)}};
    if (!hook.command.empty()) init["command"] = hook.command;
    if (!hook.working_dir.empty()) init["workingDir"] = hook.working_dir;
    for (const auto& [k, v] : hook.environment) init["env"].push_back({{"name", k}, {"value", v}});
    if (hook.privileged) init["securityContext"]["privileged"] = *hook.privileged;
    pod.spec["initContainers"].push_back(std::move(init));
  }
}

}  // namespace

void add_pod_settings(Context& ctx, const compose::Service& s, Pod& pod) {
  json& spec = pod.spec;
  if (!s.hostname.empty()) spec["hostname"] = dns_label(s.hostname.substr(0, s.hostname.find('.')));
  add_host_aliases(ctx, s, spec);
  add_dns(s, spec);
  for (const auto& [name, value] : s.sysctls)
    spec["securityContext"]["sysctls"].push_back({{"name", name}, {"value", value}});
  add_namespaces(ctx, s, spec);
  // `init: true` puts a reaper at PID 1; in a pod the pause container is PID 1 of a
  // shared PID namespace and reaps orphans.
  if (s.init && *s.init) spec["shareProcessNamespace"] = true;
  if (s.stop_grace_period) spec["terminationGracePeriodSeconds"] = seconds(*s.stop_grace_period, 0);
  add_node_selector(s, spec);
  add_hooks(ctx, s, pod);
}

}  // namespace pier::convert
