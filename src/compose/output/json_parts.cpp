#include "compose/output/json_parts.h"

#include <fmt/format.h>

#include "compose/units.h"

namespace pier::compose::output {

// compose-go prints byte sizes as strings of bytes; keep that so golden output matches.
Json bytes_json(Bytes b) { return std::to_string(b); }
Json duration_json(Duration d) { return format_duration(d); }

Json string_list(const std::vector<std::string>& items) {
  Json arr = Json::array();
  for (const auto& s : items) arr.push_back(s);
  return arr;
}

Json string_map(const StringMap& map) {
  Json obj = Json::object();
  for (const auto& [k, v] : map) obj[k] = v;
  return obj;
}

Json ulimits_json(const std::map<std::string, Ulimit>& ulimits) {
  Json obj = Json::object();
  for (const auto& [name, u] : ulimits) {
    if (u.single) obj[name] = *u.single;
    else obj[name] = Json{{"soft", u.soft}, {"hard", u.hard}};
  }
  return obj;
}

Json extra_hosts_json(const std::vector<ExtraHost>& hosts) {
  Json arr = Json::array();
  for (const auto& h : hosts) arr.push_back(h.host + "=" + h.ip);
  return arr;
}

Json references_json(const std::vector<FileReference>& refs) {
  Json arr = Json::array();
  for (const auto& r : refs) {
    Json o = Json::object();
    o["source"] = r.source;
    if (!r.target.empty()) o["target"] = r.target;
    if (!r.uid.empty()) o["uid"] = r.uid;
    if (!r.gid.empty()) o["gid"] = r.gid;
    // An octal string ("0440"), as compose-go prints a FileMode: 288 means nothing to a reader.
    if (r.mode) o["mode"] = fmt::format("{:#o}", *r.mode);
    arr.push_back(o);
  }
  return arr;
}

namespace {

void put_string(Json& o, const char* key, const std::string& v) {
  if (!v.empty()) o[key] = v;
}
void put_list(Json& o, const char* key, const std::vector<std::string>& v) {
  if (!v.empty()) o[key] = string_list(v);
}
void put_map(Json& o, const char* key, const StringMap& v) {
  if (!v.empty()) o[key] = string_map(v);
}

Json resources_json(const ResourceSpec& r) {
  Json o = Json::object();
  if (r.cpus) o["cpus"] = *r.cpus;
  if (r.memory) o["memory"] = bytes_json(*r.memory);
  if (r.pids) o["pids"] = *r.pids;
  if (r.devices) o["devices"] = *r.devices;
  if (r.generic_resources) o["generic_resources"] = *r.generic_resources;
  return o;
}

Json restart_policy_json(const RestartPolicy& p) {
  Json o = Json::object();
  put_string(o, "condition", p.condition);
  if (p.delay) o["delay"] = duration_json(*p.delay);
  if (p.max_attempts) o["max_attempts"] = *p.max_attempts;
  if (p.window) o["window"] = duration_json(*p.window);
  return o;
}

}  // namespace

Json build_json(const BuildConfig& b) {
  Json o = Json::object();
  o["context"] = b.context;
  put_string(o, "dockerfile", b.dockerfile);
  put_string(o, "dockerfile_inline", b.dockerfile_inline);
  put_list(o, "entitlements", b.entitlements);
  if (!b.args.empty()) {
    Json args = Json::object();
    for (const auto& [k, v] : b.args) args[k] = v ? Json(*v) : Json(nullptr);
    o["args"] = args;
  }
  put_list(o, "ssh", b.ssh);
  put_map(o, "labels", b.labels);
  put_list(o, "cache_from", b.cache_from);
  put_list(o, "cache_to", b.cache_to);
  if (b.no_cache) o["no_cache"] = *b.no_cache;
  put_list(o, "no_cache_filter", b.no_cache_filter);
  put_map(o, "additional_contexts", b.additional_contexts);
  put_string(o, "network", b.network);
  if (b.provenance) o["provenance"] = *b.provenance;
  if (b.sbom) o["sbom"] = *b.sbom;
  if (b.pull) o["pull"] = *b.pull;
  put_string(o, "target", b.target);
  if (b.shm_size) o["shm_size"] = bytes_json(*b.shm_size);
  if (!b.extra_hosts.empty()) o["extra_hosts"] = extra_hosts_json(b.extra_hosts);
  put_string(o, "isolation", b.isolation);
  if (b.privileged) o["privileged"] = *b.privileged;
  if (!b.secrets.empty()) o["secrets"] = references_json(b.secrets);
  put_list(o, "tags", b.tags);
  if (!b.ulimits.empty()) o["ulimits"] = ulimits_json(b.ulimits);
  put_list(o, "platforms", b.platforms);
  return o;
}

Json deploy_json(const DeployConfig& d) {
  Json o = Json::object();
  put_string(o, "mode", d.mode);
  if (d.replicas) o["replicas"] = *d.replicas;
  put_map(o, "labels", d.labels);
  if (d.update_config) o["update_config"] = *d.update_config;
  if (d.rollback_config) o["rollback_config"] = *d.rollback_config;
  if (d.limits || d.reservations) {
    Json r = Json::object();
    if (d.limits) r["limits"] = resources_json(*d.limits);
    if (d.reservations) r["reservations"] = resources_json(*d.reservations);
    o["resources"] = r;
  }
  if (d.restart_policy) o["restart_policy"] = restart_policy_json(*d.restart_policy);
  if (d.placement) o["placement"] = *d.placement;
  put_string(o, "endpoint_mode", d.endpoint_mode);
  return o;
}

void put_extensions(Json& obj, const std::map<std::string, Json>& ext) {
  for (const auto& [k, v] : ext) obj[k] = v;
}

}  // namespace pier::compose::output
