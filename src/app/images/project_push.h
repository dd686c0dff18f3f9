// `pier push [SERVICE...]`: the images a project builds, to their registries, as
// `docker compose push`: a service with both `build:` and `image:` pushes its image and
// its `build.tags`; any other is skipped. The caller picks the services; image/ knows no
// Compose types.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "base/result.h"

namespace pier::app::images {

struct ServicePush {
  std::string service;
  std::vector<std::string> tags;  // image first, then build.tags; empty: skipped
};

struct ProjectPushOptions {
  bool quiet = false;
  bool ignore_failures = false;  // a failed push is reported and the others go on
};

// Progress lines on `out`: "<service> Skipped", "Pushing <tag>: <blob> Pushed". The
// first failure stops, naming the service and the tag, unless ignore_failures.
Status push_services(const std::string& pier_root, const std::vector<ServicePush>& services,
                     const ProjectPushOptions& options, std::FILE* out);

}  // namespace pier::app::images
