// The steps that turn one service into its pod, one file each, in the order
// workload.cpp runs them, and the project-wide objects. Internal to convert/.
#pragma once

#include "compose/model.h"
#include "convert/context.h"

namespace pier::convert {

// What the steps fill in for one service.
struct Pod {
  json spec = json::object();       // the PodSpec, less `containers`
  json container = json::object();  // the service's one container
  json claim_templates = json::array();
};

void add_container(Context& ctx, const compose::Service& service, Pod& pod);     // container.cpp
void add_probes(Context& ctx, const compose::Service& service, Pod& pod);        // probes.cpp
void add_environment(Context& ctx, const compose::Service& service, Pod& pod);   // environment.cpp
void add_file_mounts(Context& ctx, const compose::Service& service, Pod& pod);   // files.cpp
void add_storage(Context& ctx, const compose::Service& service, Pod& pod);       // storage.cpp
void add_dependencies(Context& ctx, const compose::Service& service, Pod& pod);  // dependencies.cpp
void add_pod_settings(Context& ctx, const compose::Service& service, Pod& pod);  // pod.cpp

// The Deployment, StatefulSet, DaemonSet or Job of a service (workload.cpp).
void add_workload(Context& ctx, const compose::Service& service);
// Its Service (ports, expose) and Ingress (x-kubernetes.ingress-host) (service_objects.cpp).
void add_service_objects(Context& ctx, const compose::Service& service);
// Project-wide: PersistentVolumeClaims (storage.cpp), the ConfigMaps and Secrets of
// top-level configs and secrets (files.cpp), NetworkPolicies (network_policy.cpp).
void count_volume_users(Context& ctx);
void add_volume_claims(Context& ctx);
void add_file_objects(Context& ctx);
void add_network_policies(Context& ctx);
// The service account (and its Role: read Jobs) of pods that wait for a Job.
void add_job_waiter(Context& ctx);  // dependencies.cpp

// Whether `service` runs to completion (a Job): `restart: "no"` written out,
// deploy.restart_policy.condition none, or a dependency of another service's
// service_completed_successfully.
bool runs_to_completion(const Context& ctx, const compose::Service& service);
// "tcp" -> "TCP" (also "udp", "sctp").
std::string to_upper_protocol(const std::string& protocol);
// Whether some two services share no network (then NetworkPolicies keep them apart
// and every pod carries `network_label` of each network it joins).
bool networks_isolate(const Context& ctx);
std::string network_label(const std::string& network);
// The `x-kubernetes` extension of a service or volume (an empty object when absent).
json extension(const std::map<std::string, compose::Json>& extensions);

}  // namespace pier::convert
