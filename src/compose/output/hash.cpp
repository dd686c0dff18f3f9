// The configuration hashes `up` compares with what it made before. The service's is
// stored on each container: when it changes, `up` recreates the container. Fields that
// can change without touching the container are removed first, like Docker Compose's
// ServiceHash (scale, replicas, depends_on, profiles). A network's is stored with its
// bridge: when it changes, `up` makes the network anew, as Compose's NetworkHash.
#include "base/sha256.h"
#include "compose/output.h"
#include "compose/output/json_parts.h"

namespace pier::compose {

std::string service_config_hash(const Project& project, const std::string& name) {
  const Service* service = project.find_service(name);
  if (!service) return {};
  Json doc = service_to_json(*service);
  doc.erase("scale");
  doc.erase("depends_on");
  doc.erase("profiles");
  doc.erase("develop");
  doc.erase("pull_policy");
  if (doc.contains("deploy")) {
    doc["deploy"].erase("replicas");
    if (doc["deploy"].empty()) doc.erase("deploy");
  }
  return sha256_hex(doc.dump());
}

std::string network_config_hash(const NetworkConfig& network) { return sha256_hex(output::network_json(network).dump()); }

std::string service_volumes_hash(const Project& project, const std::string& name) {
  const Service* service = project.find_service(name);
  if (!service) return {};
  Json mounted = Json::array();
  for (const auto& v : service->volumes) {
    if (v.type != "volume" || v.source.empty()) continue;
    auto it = project.volumes.find(v.source);
    if (it == project.volumes.end()) continue;
    // Labels are the one part of a volume a container never sees.
    Json vol = output::volume_json(it->second);
    vol.erase("labels");
    mounted.push_back(Json::array({v.target, vol}));
  }
  if (mounted.empty()) return {};
  return sha256_hex(mounted.dump());
}

std::string pre_start_hash(const Service& service) {
  if (service.pre_start.empty()) return {};
  return sha256_hex(service_to_json(service)["pre_start"].dump());
}

}  // namespace pier::compose
