// `pier convert`: a loaded Compose project to Kubernetes objects. A pure function of
// the normalised model (plus the content of the files that configs, secrets and small
// bind mounts name): no cluster is contacted. What has no Kubernetes equivalent
// becomes one located warning each (docs/kubernetes.md lists every key).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "compose/diagnostics.h"
#include "compose/environment.h"
#include "compose/model.h"

namespace pier::convert {

struct Options {
  std::string namespace_name;             // empty: the project name
  std::string service_type = "ClusterIP"; // for services with published ports
  std::string storage_class;              // empty: the cluster's default class
  // The variables the project was loaded with: `secrets`/`configs` with
  // `environment:` take their value from here.
  const compose::Environment* environment = nullptr;
  // Build-only services whose image `pier convert --push` put in a registry:
  // service name -> the reference the cluster pulls.
  std::map<std::string, std::string> pushed_images;
};

// The image `pier build` tags for each build-only service (no `image:`), by
// service name: what `--push` pushes.
std::map<std::string, std::string> build_only_images(const compose::Project& project);

// One Kubernetes object. `body` is the whole manifest; keys print sorted.
struct Object {
  std::string kind;
  std::string name;
  nlohmann::json body;
};

struct Manifests {
  std::vector<Object> objects;  // sorted: Namespace first, then by kind, then name
  compose::Warnings warnings;   // one per compose key that was not converted
};

// Enabled services only (profiles already applied). Fails on what cannot be written
// at all (an `x-kubernetes` value of the wrong type, two names that become one).
Result<Manifests> convert_project(const compose::Project& project, const Options& options);

}  // namespace pier::convert
