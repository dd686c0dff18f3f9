// `build:` of Compose services: a service's build section becomes a builder::BuildRequest,
// and several services build in parallel (one thread each), with progress lines like
// `docker compose build`. Used by `pier build` and by `pier up` before it asks the
// supervisor to start anything (Docker Compose builds on the client side too).
#pragma once

#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "compose/model.h"

namespace pier::app {

struct ServiceBuildOptions {
  bool no_cache = false;
  bool pull = false;
  bool quiet = false;
  std::map<std::string, std::optional<std::string>> build_args;  // --build-arg, over build.args
  std::vector<std::string> allow;  // --allow entitlements (network.host), with build.entitlements
};

// Builds these services (each must have `build:`) in parallel and tags each image with
// `image:` (or `<project>-<service>`) and `build.tags`. All the builds run to their
// end; the first error (in service order) is returned with its service.
Status build_services(const std::string& pier_root, const compose::Project& project,
                      const std::vector<std::string>& services, const ServiceBuildOptions& options, std::FILE* out);

// Which of `services` (with their dependencies unless no_deps) `up` builds: all with
// `build:` under --build or `pull_policy: build`, otherwise those whose image is not
// in the store. None under --no-build.
std::vector<std::string> services_to_build_for_up(const std::string& pier_root, const compose::Project& project,
                                                  const std::vector<std::string>& services, bool no_deps, bool build,
                                                  bool no_build);

// What `up` and `run --build` do before asking the supervisor to start anything, as
// Docker Compose builds on the client side: builds services_to_build_for_up(...), with
// progress on stderr. RUN steps clone into containers from this process, so when there
// is something to build it first re-executes from a sealed copy of pier (the new process
// finds the same work and goes on from here).
Status build_before_start(const std::string& pier_root, const compose::Project& project,
                          const std::vector<std::string>& services, bool no_deps, bool build, bool no_build);

}  // namespace pier::app
