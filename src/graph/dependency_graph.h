// The dependency graph over a project's services: which must start before which,
// in what parallel waves, in what order to stop, and where a cycle is.
// Edges come from depends_on, links, `service:` namespace references and
// volumes_from (see from_project.h); the graph itself knows only names.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"

namespace pier::graph {

struct Edge {
  std::string to;          // the service depended upon
  std::string reason;      // "depends_on", "links", "network_mode", "volumes_from", ...
  std::string location;    // "compose.yaml:7:9" where the reference is written, or ""
  bool required = true;    // depends_on.required: false tolerates a missing service
};

using Waves = std::vector<std::vector<std::string>>;

class DependencyGraph {
 public:
  void add_service(const std::string& name);
  // `from` depends on `edge.to`. Both must be (or later be) added as services,
  // unless the edge is not required.
  void add_edge(const std::string& from, Edge edge);

  bool has(const std::string& name) const { return edges_.count(name) != 0; }
  std::vector<std::string> services() const;

  // Error for a required edge to an unknown service, or for a cycle, printed
  // as `a -> b -> a` and located at the edge that closes it.
  Status check() const;

  // Services grouped so that every service's dependencies are in earlier waves.
  // Services of one wave can start in parallel. Names sorted within a wave.
  Result<Waves> start_waves() const;
  // The reverse: dependents stop before what they depend on.
  Result<Waves> stop_waves() const;

  // `targets` plus everything they depend on, transitively (for `up web`).
  std::set<std::string> with_dependencies(const std::vector<std::string>& targets) const;
  // Everything that depends on `service`, transitively (for recreating dependents).
  std::set<std::string> dependents_of(const std::string& service) const;
  // Direct dependencies of `service` that exist in the graph.
  std::vector<Edge> dependencies(const std::string& service) const;

 private:
  Result<std::vector<std::string>> find_cycle() const;

  std::map<std::string, std::vector<Edge>> edges_;  // service -> what it depends on
};

}  // namespace pier::graph
