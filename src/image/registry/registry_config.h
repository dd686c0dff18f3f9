// Which registries may be reached over plain HTTP or with unverified TLS, and
// mirrors. Read from `<root>/registries.json`:
//   {"insecure-registries": ["localhost:5000"], "registry-mirrors": {"docker.io": ["https://m.example"]}}
// plus $PIER_INSECURE_REGISTRIES (comma-separated hosts). Nothing is insecure by default.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"

namespace pier::image {

struct RegistryConfig {
  std::set<std::string> insecure;
  std::map<std::string, std::vector<std::string>> mirrors;  // domain -> base URLs
  std::string docker_config_path;                           // "" = ~/.docker/config.json

  bool is_insecure(const std::string& host) const { return insecure.count(host) > 0; }
  static Result<RegistryConfig> load(const std::string& pier_root);
};

}  // namespace pier::image
