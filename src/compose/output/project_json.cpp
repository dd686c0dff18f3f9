// The whole project as JSON: name, services, networks, volumes, secrets, configs,
// models, then x-* extensions — the order of Docker Compose's `config`.
#include "compose/normalize/common.h"
#include "compose/output.h"
#include "compose/output/json_parts.h"

namespace pier::compose {

namespace {

using namespace output;

void put_string(Json& o, const char* key, const std::string& v) {
  if (!v.empty()) o[key] = v;
}

// In Docker Compose's order: driver, config (subnet, gateway, ip_range, aux_addresses), options.
Json ipam_json(const Ipam& ipam) {
  Json o = Json::object();
  put_string(o, "driver", ipam.driver);
  if (!ipam.config.empty()) {
    Json pools = Json::array();
    for (const auto& p : ipam.config) {
      Json x = Json::object();
      put_string(x, "subnet", p.subnet);
      put_string(x, "gateway", p.gateway);
      put_string(x, "ip_range", p.ip_range);
      if (!p.aux_addresses.empty()) x["aux_addresses"] = string_map(p.aux_addresses);
      put_extensions(x, p.extensions);
      pools.push_back(x);
    }
    o["config"] = pools;
  }
  if (!ipam.options.empty()) o["options"] = string_map(ipam.options);
  put_extensions(o, ipam.extensions);
  return o;
}

}  // namespace

namespace output {

Json network_json(const NetworkConfig& n) {
  Json o = Json::object();
  o["name"] = n.name;
  put_string(o, "driver", n.driver);
  if (!n.driver_opts.empty()) o["driver_opts"] = string_map(n.driver_opts);
  if (n.ipam) o["ipam"] = ipam_json(*n.ipam);
  if (n.external) o["external"] = true;
  if (n.internal) o["internal"] = *n.internal;
  if (n.attachable) o["attachable"] = *n.attachable;
  if (!n.labels.empty()) o["labels"] = string_map(n.labels);
  if (n.enable_ipv4) o["enable_ipv4"] = *n.enable_ipv4;
  if (n.enable_ipv6) o["enable_ipv6"] = *n.enable_ipv6;
  put_extensions(o, n.extensions);
  return o;
}

Json volume_json(const VolumeConfig& v) {
  Json o = Json::object();
  o["name"] = v.name;
  put_string(o, "driver", v.driver);
  if (!v.driver_opts.empty()) o["driver_opts"] = string_map(v.driver_opts);
  if (v.external) o["external"] = true;
  if (!v.labels.empty()) o["labels"] = string_map(v.labels);
  put_extensions(o, v.extensions);
  return o;
}

}  // namespace output

namespace {

Json file_object_json(const FileObjectConfig& f) {
  Json o = Json::object();
  o["name"] = f.name;
  put_string(o, "file", f.file);
  put_string(o, "environment", f.environment);
  if (f.content) o["content"] = *f.content;
  if (f.external) o["external"] = true;
  if (!f.labels.empty()) o["labels"] = string_map(f.labels);
  put_string(o, "driver", f.driver);
  if (!f.driver_opts.empty()) o["driver_opts"] = string_map(f.driver_opts);
  put_string(o, "template_driver", f.template_driver);
  put_extensions(o, f.extensions);
  return o;
}

template <class T, class Writer>
void put_section(Json& o, const char* key, const std::map<std::string, T>& items, Writer write) {
  if (items.empty()) return;
  Json section = Json::object();
  for (const auto& [name, item] : items) section[name] = write(item);
  o[key] = section;
}

}  // namespace

Json to_json(const Project& project) {
  Json o = Json::object();
  o["name"] = project.name;
  Json services = Json::object();
  for (const auto& [name, s] : project.services) {
    if (!s.disabled) services[name] = service_to_json(s);
  }
  o["services"] = services;
  put_section(o, "networks", project.networks, network_json);
  put_section(o, "volumes", project.volumes, volume_json);
  put_section(o, "secrets", project.secrets, file_object_json);
  put_section(o, "configs", project.configs, file_object_json);
  if (project.models) o["models"] = *project.models;
  put_extensions(o, project.extensions);
  return o;
}

Json node_to_json(const Node& node) { return detail::node_json(node); }

}  // namespace pier::compose
