// `pier config` output: the normalised project as JSON (key order mirrors Docker
// Compose v2's `config`), YAML emission, and the per-service configuration hash the
// supervisor compares to decide whether a container must be recreated.
#pragma once

#include <string>

#include "compose/model.h"
#include "compose/node.h"

namespace pier::compose {

// Enabled services only; only fields that are set. Durations print as Go durations
// ("1m30s"), byte sizes as decimal byte strings ("536870912").
Json to_json(const Project& project);
// One service, keys in alphabetical order (as Docker Compose prints them).
Json service_to_json(const Service& service);
// Block YAML, 2-space indent; strings quoted only when they would read as another type.
std::string to_yaml(const Json& doc);
// The document tree as written (for `config --no-normalize` / `--no-interpolate`).
Json node_to_json(const Node& node);
// sha256 hex of the service's normalised config without the fields that never need
// a container to be recreated (scale, deploy.replicas, depends_on, profiles...).
// Empty when the service does not exist.
std::string service_config_hash(const Project& project, const std::string& service);

}  // namespace pier::compose
