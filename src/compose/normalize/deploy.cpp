// deploy: replicas, resources (limits/reservations), restart_policy; swarm-only
// sections (placement, update_config, rollback_config) are kept as written.
#include "compose/normalize/common.h"

namespace pier::compose::detail {

namespace {

Result<ResourceSpec> read_resources(const Node& node, const std::string& key) {
  PIER_CHECK(expect_mapping(node, key));
  PIER_CHECK(check_keys(node, {"cpus", "memory", "pids", "devices", "generic_resources"}));
  ResourceSpec r;
  if (const Node* n = node.find("cpus")) { PIER_TRY(r.cpus, read_number(*n, key + ".cpus")); }
  if (const Node* n = node.find("memory")) { PIER_TRY(r.memory, read_bytes(*n, key + ".memory")); }
  if (const Node* n = node.find("pids")) { PIER_TRY(r.pids, read_int(*n, key + ".pids")); }
  if (const Node* n = node.find("devices")) {
    if (!n->is_sequence()) return type_error(*n, key + ".devices", "a sequence");
    for (const auto& item : n->items()) {
      PIER_CHECK(expect_mapping(item, key + ".devices item"));
      PIER_CHECK(check_keys(item, {"capabilities", "count", "device_ids", "driver", "options"}));
    }
    r.devices = node_json(*n);
  }
  if (const Node* n = node.find("generic_resources")) r.generic_resources = node_json(*n);
  return r;
}

Result<RestartPolicy> read_restart_policy(const Node& node) {
  PIER_CHECK(expect_mapping(node, "deploy.restart_policy"));
  PIER_CHECK(check_keys(node, {"condition", "delay", "max_attempts", "window"}));
  RestartPolicy p;
  if (const Node* n = node.find("condition")) {
    PIER_TRY(p.condition, read_string(*n, "restart_policy.condition"));
    if (p.condition != "none" && p.condition != "on-failure" && p.condition != "any")
      return error_at(*n, "unknown restart_policy condition `" + p.condition + "`").hint("use none, on-failure or any");
  }
  if (const Node* n = node.find("delay")) { PIER_TRY(p.delay, read_duration(*n, "restart_policy.delay")); }
  if (const Node* n = node.find("window")) { PIER_TRY(p.window, read_duration(*n, "restart_policy.window")); }
  if (const Node* n = node.find("max_attempts")) {
    PIER_TRY(int64_t m, read_int(*n, "restart_policy.max_attempts"));
    p.max_attempts = static_cast<uint64_t>(m);
  }
  return p;
}

}  // namespace

Result<DeployConfig> normalize_deploy(const Node& node) {
  DeployConfig d;
  if (node.is_null()) return d;
  PIER_CHECK(expect_mapping(node, "deploy"));
  PIER_CHECK(check_keys(node, {"mode", "endpoint_mode", "replicas", "labels", "resources",
                               "restart_policy", "placement", "update_config", "rollback_config"}));
  if (const Node* n = node.find("mode")) {
    PIER_TRY(d.mode, read_string(*n, "deploy.mode"));
    if (d.mode != "replicated" && d.mode != "global" && d.mode != "replicated-job" && d.mode != "global-job")
      return error_at(*n, "unknown deploy mode `" + d.mode + "`").hint("use replicated or global");
  }
  if (const Node* n = node.find("endpoint_mode")) { PIER_TRY(d.endpoint_mode, read_string(*n, "deploy.endpoint_mode")); }
  if (const Node* n = node.find("replicas")) {
    PIER_TRY(d.replicas, read_int(*n, "deploy.replicas"));
    if (*d.replicas < 0) return error_at(*n, "`deploy.replicas` must not be negative");
  }
  if (const Node* n = node.find("labels")) { PIER_TRY(d.labels, read_string_map(*n, "deploy.labels")); }
  if (const Node* res = node.find("resources")) {
    PIER_CHECK(expect_mapping(*res, "deploy.resources"));
    PIER_CHECK(check_keys(*res, {"limits", "reservations"}));
    if (const Node* n = res->find("limits")) { PIER_TRY(d.limits, read_resources(*n, "resources.limits")); }
    if (const Node* n = res->find("reservations")) { PIER_TRY(d.reservations, read_resources(*n, "resources.reservations")); }
  }
  if (const Node* n = node.find("restart_policy")) { PIER_TRY(d.restart_policy, read_restart_policy(*n)); }
  if (const Node* n = node.find("placement")) d.placement = node_json(*n);
  if (const Node* n = node.find("update_config")) d.update_config = node_json(*n);
  if (const Node* n = node.find("rollback_config")) d.rollback_config = node_json(*n);
  return d;
}

}  // namespace pier::compose::detail
