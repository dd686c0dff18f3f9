// One service as JSON. Keys are sorted at the end, so the writers below can go by
// concern instead of by alphabet.
#include <algorithm>

#include "compose/output.h"
#include "compose/output/json_parts.h"

namespace pier::compose {

namespace {

using namespace output;
using S = Service;

// In Docker Compose's order. Rates print as numbers (bytes or operations per second).
Json blkio_json(const BlkioConfig& b) {
  Json o = Json::object();
  if (b.weight) o["weight"] = *b.weight;
  if (!b.weight_device.empty()) {
    Json arr = Json::array();
    for (const auto& d : b.weight_device) arr.push_back(Json{{"path", d.path}, {"weight", d.weight}});
    o["weight_device"] = arr;
  }
  static const std::pair<const char*, std::vector<BlkioThrottleDevice> BlkioConfig::*> rates[] = {
      {"device_read_bps", &BlkioConfig::device_read_bps}, {"device_read_iops", &BlkioConfig::device_read_iops},
      {"device_write_bps", &BlkioConfig::device_write_bps}, {"device_write_iops", &BlkioConfig::device_write_iops}};
  for (const auto& [key, field] : rates) {
    if ((b.*field).empty()) continue;
    Json arr = Json::array();
    for (const auto& d : b.*field) arr.push_back(Json{{"path", d.path}, {"rate", d.rate}});
    o[key] = arr;
  }
  put_extensions(o, b.extensions);
  return o;
}

void put_strings(Json& o, const S& s) {
  static const std::pair<const char*, std::string S::*> fields[] = {
      {"cgroup", &S::cgroup}, {"cgroup_parent", &S::cgroup_parent},
      {"container_name", &S::container_name}, {"cpuset", &S::cpuset},
      {"domainname", &S::domainname}, {"hostname", &S::hostname}, {"image", &S::image},
      {"ipc", &S::ipc}, {"isolation", &S::isolation}, {"mac_address", &S::mac_address},
      {"network_mode", &S::network_mode}, {"pid", &S::pid}, {"platform", &S::platform},
      {"pull_policy", &S::pull_policy}, {"restart", &S::restart}, {"runtime", &S::runtime},
      {"stop_signal", &S::stop_signal}, {"user", &S::user}, {"userns_mode", &S::userns_mode},
      {"uts", &S::uts}, {"working_dir", &S::working_dir}};
  for (const auto& [key, field] : fields) {
    if (!(s.*field).empty()) o[key] = s.*field;
  }
}

void put_numbers(Json& o, const S& s) {
  static const std::pair<const char*, std::optional<bool> S::*> bools[] = {
      {"attach", &S::attach}, {"init", &S::init}, {"oom_kill_disable", &S::oom_kill_disable},
      {"privileged", &S::privileged}, {"read_only", &S::read_only}, {"stdin_open", &S::stdin_open},
      {"tty", &S::tty}, {"use_api_socket", &S::use_api_socket}};
  for (const auto& [key, field] : bools) {
    if (s.*field) o[key] = *(s.*field);
  }
  static const std::pair<const char*, std::optional<int64_t> S::*> ints[] = {
      {"cpu_count", &S::cpu_count}, {"cpu_percent", &S::cpu_percent}, {"cpu_period", &S::cpu_period},
      {"cpu_quota", &S::cpu_quota}, {"cpu_rt_period", &S::cpu_rt_period},
      {"cpu_rt_runtime", &S::cpu_rt_runtime}, {"cpu_shares", &S::cpu_shares},
      {"mem_swappiness", &S::mem_swappiness}, {"oom_score_adj", &S::oom_score_adj},
      {"pids_limit", &S::pids_limit}, {"scale", &S::scale}};
  for (const auto& [key, field] : ints) {
    if (s.*field) o[key] = *(s.*field);
  }
  static const std::pair<const char*, std::optional<Bytes> S::*> sizes[] = {
      {"mem_limit", &S::mem_limit}, {"mem_reservation", &S::mem_reservation},
      {"memswap_limit", &S::memswap_limit}, {"shm_size", &S::shm_size}};
  for (const auto& [key, field] : sizes) {
    if (s.*field) o[key] = bytes_json(*(s.*field));
  }
  if (s.cpus) o["cpus"] = *s.cpus;
  if (s.stop_grace_period) o["stop_grace_period"] = duration_json(*s.stop_grace_period);
}

// An unset key prints as null, as compose-go marshals a key without a value.
Json environment_json(const S& s) {
  Json o = string_map(s.environment);
  for (const auto& key : s.unset_environment) o[key] = nullptr;
  return o;
}

// Printed only when not merged into `environment` (`config --no-env-resolution`), as
// compose-go writes an EnvFile: `required` only when false (its default is true).
Json env_files_json(const std::vector<EnvFile>& files) {
  Json list = Json::array();
  for (const auto& f : files) {
    Json o = {{"path", f.path}};
    if (!f.required) o["required"] = false;
    if (!f.format.empty()) o["format"] = f.format;
    list.push_back(std::move(o));
  }
  return list;
}

void put_lists(Json& o, const S& s) {
  static const std::pair<const char*, std::vector<std::string> S::*> lists[] = {
      {"cap_add", &S::cap_add}, {"cap_drop", &S::cap_drop},
      {"device_cgroup_rules", &S::device_cgroup_rules}, {"dns", &S::dns}, {"dns_opt", &S::dns_opt},
      {"dns_search", &S::dns_search}, {"expose", &S::expose}, {"external_links", &S::external_links},
      {"group_add", &S::group_add}, {"links", &S::links}, {"profiles", &S::profiles},
      {"security_opt", &S::security_opt}, {"tmpfs", &S::tmpfs}, {"volumes_from", &S::volumes_from}};
  for (const auto& [key, field] : lists) {
    if (!(s.*field).empty()) o[key] = string_list(s.*field);
  }
  static const std::pair<const char*, StringMap S::*> maps[] = {
      {"annotations", &S::annotations}, {"labels", &S::labels},
      {"storage_opt", &S::storage_opt}, {"sysctls", &S::sysctls}};
  for (const auto& [key, field] : maps) {
    if (!(s.*field).empty()) o[key] = string_map(s.*field);
  }
  if (!s.environment.empty() || !s.unset_environment.empty()) o["environment"] = environment_json(s);
  if (!s.environment_resolved && !s.env_files.empty()) o["env_file"] = env_files_json(s.env_files);
  static const std::pair<const char*, std::optional<Json> S::*> kept[] = {
      {"credential_spec", &S::credential_spec}, {"develop", &S::develop}, {"gpus", &S::gpus}, {"models", &S::models}, {"provider", &S::provider}};
  for (const auto& [key, field] : kept) {
    if (s.*field) o[key] = *(s.*field);
  }
  if (s.blkio_config) o["blkio_config"] = blkio_json(*s.blkio_config);
  if (s.command) o["command"] = string_list(*s.command);
  if (s.entrypoint) o["entrypoint"] = string_list(*s.entrypoint);
  if (!s.extra_hosts.empty()) o["extra_hosts"] = extra_hosts_json(s.extra_hosts);
  if (!s.ulimits.empty()) o["ulimits"] = ulimits_json(s.ulimits);
  if (!s.secrets.empty()) o["secrets"] = references_json(s.secrets);
  if (!s.configs.empty()) o["configs"] = references_json(s.configs);
}

Json port_json(const ServicePort& p) {
  Json o = Json::object();
  if (!p.name.empty()) o["name"] = p.name;
  o["mode"] = p.mode;
  if (!p.host_ip.empty()) o["host_ip"] = p.host_ip;
  o["target"] = p.target;
  if (!p.published.empty()) o["published"] = p.published;
  o["protocol"] = p.protocol;
  if (!p.app_protocol.empty()) o["app_protocol"] = p.app_protocol;
  return o;
}

Json volume_json(const ServiceVolume& v) {
  Json o = Json::object();
  o["type"] = v.type;
  if (!v.source.empty()) o["source"] = v.source;
  o["target"] = v.target;
  if (v.read_only) o["read_only"] = true;
  if (!v.consistency.empty()) o["consistency"] = v.consistency;
  if (v.bind) {
    Json b = Json::object();
    if (!v.bind->propagation.empty()) b["propagation"] = v.bind->propagation;
    if (v.bind->create_host_path) b["create_host_path"] = *v.bind->create_host_path;
    if (!v.bind->selinux.empty()) b["selinux"] = v.bind->selinux;
    o["bind"] = b;
  }
  if (v.volume) {
    Json x = Json::object();
    if (v.volume->nocopy) x["nocopy"] = *v.volume->nocopy;
    if (!v.volume->subpath.empty()) x["subpath"] = v.volume->subpath;
    o["volume"] = x;
  }
  if (v.tmpfs) {
    Json t = Json::object();
    if (v.tmpfs->size) t["size"] = bytes_json(*v.tmpfs->size);
    if (v.tmpfs->mode) t["mode"] = *v.tmpfs->mode;
    o["tmpfs"] = t;
  }
  if (v.image) o["image"] = v.image->subpath.empty() ? Json::object() : Json{{"subpath", v.image->subpath}};
  return o;
}

Json network_attachment_json(const ServiceNetwork& n) {
  if (!n.has_config) return nullptr;
  Json o = Json::object();
  if (!n.aliases.empty()) o["aliases"] = string_list(n.aliases);
  if (!n.driver_opts.empty()) o["driver_opts"] = string_map(n.driver_opts);
  if (n.gw_priority) o["gw_priority"] = *n.gw_priority;
  if (!n.interface_name.empty()) o["interface_name"] = n.interface_name;
  if (!n.ipv4_address.empty()) o["ipv4_address"] = n.ipv4_address;
  if (!n.ipv6_address.empty()) o["ipv6_address"] = n.ipv6_address;
  if (!n.link_local_ips.empty()) o["link_local_ips"] = string_list(n.link_local_ips);
  if (!n.mac_address.empty()) o["mac_address"] = n.mac_address;
  if (n.priority) o["priority"] = *n.priority;
  return o;
}

Json healthcheck_json(const Healthcheck& h) {
  Json o = Json::object();
  if (h.test) o["test"] = string_list(*h.test);
  if (h.timeout) o["timeout"] = duration_json(*h.timeout);
  if (h.interval) o["interval"] = duration_json(*h.interval);
  if (h.retries) o["retries"] = *h.retries;
  if (h.start_period) o["start_period"] = duration_json(*h.start_period);
  if (h.start_interval) o["start_interval"] = duration_json(*h.start_interval);
  if (h.disable) o["disable"] = true;
  return o;
}

Json hooks_json(const std::vector<ServiceHook>& hooks) {
  Json arr = Json::array();
  for (const auto& h : hooks) {
    Json o = Json::object();
    if (!h.command.empty()) o["command"] = string_list(h.command);
    if (!h.image.empty()) o["image"] = h.image;
    if (h.per_replica) o["per_replica"] = *h.per_replica;
    if (!h.user.empty()) o["user"] = h.user;
    if (h.privileged) o["privileged"] = *h.privileged;
    if (!h.working_dir.empty()) o["working_dir"] = h.working_dir;
    if (!h.environment.empty()) o["environment"] = string_map(h.environment);
    arr.push_back(o);
  }
  return arr;
}

void put_structures(Json& o, const S& s) {
  if (s.build) o["build"] = build_json(*s.build);
  if (s.deploy) o["deploy"] = deploy_json(*s.deploy);
  if (s.healthcheck) o["healthcheck"] = healthcheck_json(*s.healthcheck);
  if (s.logging) {
    Json l = Json::object();
    if (!s.logging->driver.empty()) l["driver"] = s.logging->driver;
    if (!s.logging->options.empty()) l["options"] = string_map(s.logging->options);
    o["logging"] = l;
  }
  if (!s.depends_on.empty()) {
    Json deps = Json::object();
    for (const auto& [name, d] : s.depends_on) {
      Json x = {{"condition", d.condition}};
      if (d.restart) x["restart"] = true;
      x["required"] = d.required;
      deps[name] = x;
    }
    o["depends_on"] = deps;
  }
  if (!s.devices.empty()) {
    Json arr = Json::array();
    for (const auto& d : s.devices)
      arr.push_back({{"source", d.source}, {"target", d.target}, {"permissions", d.permissions}});
    o["devices"] = arr;
  }
  if (!s.networks.empty()) {
    Json nets = Json::object();
    for (const auto& [name, n] : s.networks) nets[name] = network_attachment_json(n);
    o["networks"] = nets;
  }
  if (!s.ports.empty()) {
    Json arr = Json::array();
    for (const auto& p : s.ports) arr.push_back(port_json(p));
    o["ports"] = arr;
  }
  if (!s.volumes.empty()) {
    Json arr = Json::array();
    for (const auto& v : s.volumes) arr.push_back(volume_json(v));
    o["volumes"] = arr;
  }
  if (!s.post_start.empty()) o["post_start"] = hooks_json(s.post_start);
  if (!s.pre_start.empty()) o["pre_start"] = hooks_json(s.pre_start);
  if (!s.pre_stop.empty()) o["pre_stop"] = hooks_json(s.pre_stop);
}

}  // namespace

Json service_to_json(const Service& s) {
  Json o = Json::object();
  put_strings(o, s);
  put_numbers(o, s);
  put_lists(o, s);
  put_structures(o, s);
  put_extensions(o, s.extensions);
  std::vector<std::string> keys;
  for (const auto& item : o.items()) keys.push_back(item.key());
  std::sort(keys.begin(), keys.end());
  Json sorted = Json::object();
  for (const auto& k : keys) sorted[k] = std::move(o[k]);
  return sorted;
}

}  // namespace pier::compose
