// `pier config` output: the normalised project as JSON (key order mirrors Docker
// Compose v2's `config`), YAML emission, and the configuration hashes the supervisor
// compares to decide whether a container or a network must be made anew.
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
// sha256 hex of a top-level network as `config` prints it (Compose's NetworkHash):
// subnet, gateway, labels, driver_opts, internal, enable_ipv6... and its name.
std::string network_config_hash(const NetworkConfig& network);
// sha256 hex of the top-level definitions (name, driver, driver_opts, external; not
// labels) of the named volumes the service mounts, with their targets: another
// external volume, or another bind device, means another container, as Compose
// recreates a container whose mounts name another volume. Empty when it mounts none.
std::string service_volumes_hash(const Project& project, const std::string& service);
// sha256 hex of the service's `pre_start` steps as `config` prints them: a container
// records it once its steps succeeded, and `up` runs them again when it differs.
// Empty when the service has none.
std::string pre_start_hash(const Service& service);

}  // namespace pier::compose
