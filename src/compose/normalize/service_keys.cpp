// The table of every service key: which normaliser reads it. The key list doubles
// as the vocabulary for "did you mean" on unknown keys.
#include "compose/normalize/service_keys.h"

#include "compose/names.h"
#include "compose/units.h"

namespace pier::compose::detail {

namespace {

using S = Service;

KeyHandler string_key(std::string S::*field) {
  return [field](const Context&, const Node::Entry& e, S& s) -> Status {
    PIER_TRY(s.*field, read_string(e.value, e.key));
    return {};
  };
}
KeyHandler bool_key(std::optional<bool> S::*field) {
  return [field](const Context&, const Node::Entry& e, S& s) -> Status {
    PIER_TRY(s.*field, read_bool(e.value, e.key));
    return {};
  };
}
KeyHandler int_key(std::optional<int64_t> S::*field) {
  return [field](const Context&, const Node::Entry& e, S& s) -> Status {
    PIER_TRY(s.*field, read_int(e.value, e.key));
    return {};
  };
}
KeyHandler bytes_key(std::optional<Bytes> S::*field) {
  return [field](const Context&, const Node::Entry& e, S& s) -> Status {
    PIER_TRY(s.*field, read_bytes(e.value, e.key));
    return {};
  };
}
KeyHandler list_key(std::vector<std::string> S::*field, bool allow_string) {
  return [field, allow_string](const Context&, const Node::Entry& e, S& s) -> Status {
    if (allow_string) { PIER_TRY(s.*field, read_string_or_list(e.value, e.key)); }
    else { PIER_TRY(s.*field, read_string_list(e.value, e.key)); }
    return {};
  };
}
KeyHandler map_key(StringMap S::*field) {
  return [field](const Context&, const Node::Entry& e, S& s) -> Status {
    PIER_TRY(s.*field, read_string_map(e.value, e.key));
    return {};
  };
}
KeyHandler command_key(std::optional<std::vector<std::string>> S::*field) {
  return [field](const Context&, const Node::Entry& e, S& s) -> Status {
    PIER_TRY(s.*field, read_command(e.value, e.key));
    return {};
  };
}
KeyHandler json_key(std::optional<Json> S::*field) {
  return [field](const Context&, const Node::Entry& e, S& s) -> Status {
    s.*field = node_json(e.value);
    return {};
  };
}
// Read by a normaliser that needs several keys at once (environment + env_file).
Status handled_elsewhere(const Context&, const Node::Entry&, S&) { return {}; }

// cpu_rt_*: an integer of microseconds or a duration.
KeyHandler microseconds_key(std::optional<int64_t> S::*field) {
  return [field](const Context&, const Node::Entry& e, S& s) -> Status {
    if (e.value.is_scalar() && e.value.value().find_first_not_of("-0123456789") == std::string::npos) {
      PIER_TRY(s.*field, read_int(e.value, e.key));
      return {};
    }
    PIER_TRY(Duration d, read_duration(e.value, e.key));
    s.*field = d / 1000;
    return {};
  };
}

// Sections pier keeps as written still get their keys checked, so typos surface.
KeyHandler checked_json_key(std::optional<Json> S::*field, std::vector<std::string> keys,
                            std::string list_key = "", std::vector<std::string> item_keys = {}) {
  return [=](const Context&, const Node::Entry& e, S& s) -> Status {
    PIER_CHECK(expect_mapping(e.value, e.key));
    PIER_CHECK(check_keys(e.value, keys));
    if (const Node* list = list_key.empty() ? nullptr : e.value.find(list_key)) {
      if (!list->is_sequence()) return type_error(*list, e.key + "." + list_key, "a sequence");
      for (const auto& item : list->items()) {
        PIER_CHECK(expect_mapping(item, e.key + "." + list_key + " item"));
        PIER_CHECK(check_keys(item, item_keys));
      }
    }
    s.*field = node_json(e.value);
    return {};
  };
}

// Becomes a cgroup, a scratch and a log directory and a record file on the host:
// Docker's container name rule.
Status read_container_name(const Context&, const Node::Entry& e, S& s) {
  PIER_TRY(s.container_name, read_string(e.value, e.key));
  if (is_restricted_name(s.container_name)) return {};
  return error_at(e.value, "invalid container name `" + s.container_name +
                               "`: a container name is at least two of [a-zA-Z0-9_.-], starting with a letter or digit");
}

Status read_user(const Context&, const Node::Entry& e, S& s) {
  PIER_TRY(s.user, read_string(e.value, e.key));
  if (auto st = check_user_ids(s.user); !st) return std::move(st).error().context("user").at(e.value.mark().to_string());
  return {};
}

Status read_group_add(const Context&, const Node::Entry& e, S& s) {
  PIER_TRY(s.group_add, read_string_list(e.value, e.key));
  for (const auto& item : e.value.items())
    if (auto st = check_id(item.value(), "gid"); !st) return std::move(st).error().context("group_add").at(item.mark().to_string());
  return {};
}

Status read_expose(const Context&, const Node::Entry& e, S& s) {
  PIER_TRY(s.expose, read_string_list(e.value, e.key));
  return {};
}

}  // namespace

const std::vector<ServiceKey>& service_keys() {
  static const std::vector<ServiceKey> keys = {
      {"annotations", map_key(&S::annotations)},
      {"attach", bool_key(&S::attach)},
      {"blkio_config", [](const Context&, const Node::Entry& e, S& s) -> Status { PIER_TRY(s.blkio_config, normalize_blkio(e.value)); return {}; }},
      {"build", [](const Context& c, const Node::Entry& e, S& s) -> Status { PIER_TRY(s.build, normalize_build(c, e.value)); return {}; }},
      {"cap_add", list_key(&S::cap_add, false)},
      {"cap_drop", list_key(&S::cap_drop, false)},
      {"cgroup", string_key(&S::cgroup)},
      {"cgroup_parent", string_key(&S::cgroup_parent)},
      {"command", command_key(&S::command)},
      {"configs", [](const Context&, const Node::Entry& e, S& s) -> Status { PIER_TRY(s.configs, normalize_file_references(e.value, "configs")); return {}; }},
      {"container_name", read_container_name},
      {"cpu_count", int_key(&S::cpu_count)},
      {"cpu_percent", int_key(&S::cpu_percent)},
      {"cpu_period", int_key(&S::cpu_period)},
      {"cpu_quota", int_key(&S::cpu_quota)},
      {"cpu_rt_period", microseconds_key(&S::cpu_rt_period)},
      {"cpu_rt_runtime", microseconds_key(&S::cpu_rt_runtime)},
      {"cpu_shares", int_key(&S::cpu_shares)},
      {"cpus", [](const Context&, const Node::Entry& e, S& s) -> Status { PIER_TRY(s.cpus, read_number(e.value, e.key)); return {}; }},
      {"cpuset", string_key(&S::cpuset)},
      {"credential_spec", checked_json_key(&S::credential_spec, {"config", "file", "registry"})},
      {"depends_on", [](const Context&, const Node::Entry& e, S& s) -> Status { PIER_TRY(s.depends_on, normalize_depends_on(e.value)); return {}; }},
      {"deploy", [](const Context&, const Node::Entry& e, S& s) -> Status { PIER_TRY(s.deploy, normalize_deploy(e.value)); return {}; }},
      {"develop", checked_json_key(&S::develop, {"watch"}, "watch",
                                   {"path", "action", "target", "ignore", "include", "initial_sync", "exec"})},
      {"device_cgroup_rules", list_key(&S::device_cgroup_rules, false)},
      {"devices", [](const Context&, const Node::Entry& e, S& s) -> Status { PIER_TRY(s.devices, normalize_devices(e.value)); return {}; }},
      {"dns", list_key(&S::dns, true)},
      {"dns_opt", list_key(&S::dns_opt, false)},
      {"dns_search", list_key(&S::dns_search, true)},
      {"domainname", string_key(&S::domainname)},
      {"entrypoint", command_key(&S::entrypoint)},
      {"env_file", handled_elsewhere},
      {"environment", handled_elsewhere},
      {"expose", read_expose},
      {"extends", handled_elsewhere},  // resolved by the loader (stage 1)
      {"external_links", list_key(&S::external_links, false)},
      {"extra_hosts", [](const Context&, const Node::Entry& e, S& s) -> Status { PIER_TRY(s.extra_hosts, read_extra_hosts(e.value, e.key)); return {}; }},
      {"gpus", json_key(&S::gpus)},
      {"group_add", read_group_add},
      {"healthcheck", [](const Context&, const Node::Entry& e, S& s) -> Status { PIER_TRY(s.healthcheck, normalize_healthcheck(e.value)); return {}; }},
      {"hostname", string_key(&S::hostname)},
      {"image", string_key(&S::image)},
      {"init", bool_key(&S::init)},
      {"ipc", string_key(&S::ipc)},
      {"isolation", string_key(&S::isolation)},
      {"label_file", handled_elsewhere},
      {"labels", handled_elsewhere},
      {"links", list_key(&S::links, false)},
      {"logging", [](const Context&, const Node::Entry& e, S& s) -> Status { PIER_TRY(s.logging, normalize_logging(e.value)); return {}; }},
      {"mac_address", string_key(&S::mac_address)},
      {"mem_limit", bytes_key(&S::mem_limit)},
      {"mem_reservation", bytes_key(&S::mem_reservation)},
      {"mem_swappiness", int_key(&S::mem_swappiness)},
      {"memswap_limit", bytes_key(&S::memswap_limit)},
      {"models", json_key(&S::models)},
      {"network_mode", string_key(&S::network_mode)},
      {"networks", [](const Context&, const Node::Entry& e, S& s) -> Status { return normalize_service_networks(e.value, s); }},
      {"oom_kill_disable", bool_key(&S::oom_kill_disable)},
      {"oom_score_adj", int_key(&S::oom_score_adj)},
      {"pid", string_key(&S::pid)},
      {"pids_limit", int_key(&S::pids_limit)},
      {"platform", string_key(&S::platform)},
      {"ports", [](const Context&, const Node::Entry& e, S& s) -> Status { return normalize_ports(e.value, s.ports); }},
      {"post_start", [](const Context&, const Node::Entry& e, S& s) -> Status { PIER_TRY(s.post_start, normalize_hooks(e.value, e.key)); return {}; }},
      {"pre_start", [](const Context&, const Node::Entry& e, S& s) -> Status { PIER_TRY(s.pre_start, normalize_hooks(e.value, e.key)); return {}; }},
      {"pre_stop", [](const Context&, const Node::Entry& e, S& s) -> Status { PIER_TRY(s.pre_stop, normalize_hooks(e.value, e.key)); return {}; }},
      {"privileged", bool_key(&S::privileged)},
      {"profiles", list_key(&S::profiles, false)},
      {"provider", json_key(&S::provider)},
      {"pull_policy", string_key(&S::pull_policy)},
      {"pull_refresh_after", handled_elsewhere},
      {"read_only", bool_key(&S::read_only)},
      {"restart", string_key(&S::restart)},
      {"runtime", string_key(&S::runtime)},
      {"scale", int_key(&S::scale)},
      {"secrets", [](const Context&, const Node::Entry& e, S& s) -> Status { PIER_TRY(s.secrets, normalize_file_references(e.value, "secrets")); return {}; }},
      {"security_opt", list_key(&S::security_opt, false)},
      {"shm_size", bytes_key(&S::shm_size)},
      {"stdin_open", bool_key(&S::stdin_open)},
      {"stop_grace_period", [](const Context&, const Node::Entry& e, S& s) -> Status { PIER_TRY(s.stop_grace_period, read_duration(e.value, e.key)); return {}; }},
      {"stop_signal", string_key(&S::stop_signal)},
      {"storage_opt", map_key(&S::storage_opt)},
      {"sysctls", map_key(&S::sysctls)},
      {"tmpfs", list_key(&S::tmpfs, true)},
      {"tty", bool_key(&S::tty)},
      {"ulimits", [](const Context&, const Node::Entry& e, S& s) -> Status { PIER_TRY(s.ulimits, read_ulimits(e.value, e.key)); return {}; }},
      {"use_api_socket", bool_key(&S::use_api_socket)},
      {"user", read_user},
      {"userns_mode", string_key(&S::userns_mode)},
      {"uts", string_key(&S::uts)},
      {"volumes", [](const Context& c, const Node::Entry& e, S& s) -> Status {
         if (!e.value.is_sequence()) return type_error(e.value, e.key, "a sequence");
         for (const auto& item : e.value.items()) {
           PIER_TRY(auto v, parse_service_volume(c, item));
           s.volumes.push_back(std::move(v));
         }
         return {};
       }},
      {"volumes_from", list_key(&S::volumes_from, false)},
      {"working_dir", string_key(&S::working_dir)},
  };
  return keys;
}

const std::vector<std::string>& service_key_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& k : service_keys()) out.push_back(k.name);
    return out;
  }();
  return names;
}

}  // namespace pier::compose::detail
