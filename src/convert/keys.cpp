#include "convert/keys.h"

#include <map>
#include <string_view>

namespace pier::convert {
namespace {

// Why each key is left out. Every key not listed here is converted (or, like
// `extends`, `profiles` and `env_file`, was already resolved when the file loaded).
const std::map<std::string_view, std::string_view>& dropped_keys() {
  static const std::map<std::string_view, std::string_view> table = {
      {"attach", "log attachment is a property of `up`; use `kubectl logs`"},
      {"blkio_config", "Kubernetes has no block IO weights or throttles"},
      {"cgroup", "the kubelet chooses the cgroup namespace"},
      {"cgroup_parent", "the kubelet places pods in its own cgroup tree"},
      {"container_name", "pods are named by their workload; other pods reach it by its Service name"},
      {"cpu_count", "Windows only; use deploy.resources.limits.cpus"},
      {"cpu_percent", "Windows only; use deploy.resources.limits.cpus"},
      {"cpu_period", "the kubelet sets the CFS period; use deploy.resources.limits.cpus"},
      {"cpu_quota", "use deploy.resources.limits.cpus"},
      {"cpu_rt_period", "Kubernetes has no real-time scheduling settings"},
      {"cpu_rt_runtime", "Kubernetes has no real-time scheduling settings"},
      {"cpu_shares", "use deploy.resources.reservations.cpus (requests set the shares)"},
      {"cpuset", "CPU pinning is the kubelet's CPU manager policy, not a pod field"},
      {"credential_spec", "Windows gMSA; set securityContext.windowsOptions by hand"},
      {"develop", "file watching is for local development"},
      {"device_cgroup_rules", "device access needs a device plugin"},
      {"devices", "host devices need a device plugin"},
      {"domainname", "the pod's domain is the cluster's"},
      {"external_links", "containers outside the project are not in the cluster"},
      {"group_add", "set securityContext.supplementalGroups with numeric ids by hand"},
      {"isolation", "Windows isolation has no pod field"},
      {"links", "every Service is reachable by name; link aliases have no equivalent"},
      {"logging", "logging is the cluster's (the kubelet keeps container logs)"},
      {"mac_address", "pod interfaces belong to the network plugin"},
      {"mem_swappiness", "swap is a node setting"},
      {"memswap_limit", "swap is a node setting"},
      {"models", "AI models are not Kubernetes objects"},
      {"oom_kill_disable", "the kubelet does not let a pod opt out of the OOM killer"},
      {"oom_score_adj", "the kubelet derives it from the pod's QoS class"},
      {"pids_limit", "the PID limit is a kubelet setting"},
      {"provider", "provider services run a plugin on the Compose host"},
      {"pull_refresh_after", "the kubelet decides when to pull again"},
      {"runtime", "pick a RuntimeClass (runtimeClassName) by hand"},
      {"security_opt", "seccomp/AppArmor/SELinux profiles are securityContext fields named per node"},
      {"stop_signal", "the kubelet always sends SIGTERM (STOPSIGNAL in the image is honoured by some runtimes)"},
      {"storage_opt", "the root filesystem size is ephemeral-storage, set by hand"},
      {"ulimits", "Kubernetes has no per-pod rlimits"},
      {"use_api_socket", "there is no Docker API in a cluster"},
      {"userns_mode", "use hostUsers: false (user namespaces) by hand"},
      {"uts", "the pod's UTS namespace is always its own"},
      {"volumes_from", "pods do not share volumes with other pods; mount the same claim"},
  };
  return table;
}

}  // namespace

void warn_unconverted_keys(Context& ctx, const compose::Service& service) {
  for (const auto& [key, mark] : service.key_marks) {
    auto it = dropped_keys().find(key);
    if (it == dropped_keys().end()) continue;
    ctx.warn(service, key, "`" + key + "` is not converted: " + std::string(it->second));
  }
}

void warn_unconverted_top_level(Context& ctx) {
  for (const auto& [name, network] : ctx.project.networks) {
    if (network.external) continue;
    if (network.ipam)
      ctx.warn(network.mark, "network \"" + name + "\": `ipam` is not converted: pod addresses belong to the network plugin");
    if (!network.driver_opts.empty())
      ctx.warn(network.mark, "network \"" + name + "\": `driver_opts` is not converted: networks are the network plugin's");
    if (network.internal && *network.internal)
      ctx.warn(network.mark, "network \"" + name + "\": `internal` is not converted: no egress policy is written, pods reach outside the cluster");
    if (network.enable_ipv6 && *network.enable_ipv6)
      ctx.warn(network.mark, "network \"" + name + "\": `enable_ipv6` is not converted: the cluster's network decides the address families");
  }
  for (const auto& [name, volume] : ctx.project.volumes) {
    if (!volume.driver.empty() && volume.driver != "local")
      ctx.warn(volume.mark, "volume \"" + name + "\": `driver` is not converted: pick a storage class (--storage-class)");
    if (!volume.driver_opts.empty())
      ctx.warn(volume.mark, "volume \"" + name + "\": `driver_opts` is not converted: the storage class decides");
  }
}

}  // namespace pier::convert
