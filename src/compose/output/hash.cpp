// The configuration hash stored on each container: when it changes, `up` recreates
// the container. Fields that can change without touching the container are removed
// first, like Docker Compose's ServiceHash (scale, replicas, depends_on, profiles).
#include "base/sha256.h"
#include "compose/output.h"

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

}  // namespace pier::compose
