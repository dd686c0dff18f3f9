// Builds the dependency graph of a project's enabled services from every kind of
// reference one service makes to another.
#pragma once

#include "base/result.h"
#include "compose/model.h"
#include "graph/dependency_graph.h"

namespace pier::graph {

// Edges come from depends_on, links, `service:` in network_mode/pid/ipc, and
// volumes_from. A reference to a service disabled by its profiles is an error
// naming the profiles to enable (15-profiles.md: references never enable a
// service implicitly).
Result<DependencyGraph> from_project(const compose::Project& project);

}  // namespace pier::graph
