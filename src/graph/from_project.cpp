#include "graph/from_project.h"

#include "base/strings.h"

namespace pier::graph {
namespace {

std::string location_of(const compose::Service& service, const compose::Mark& mark) {
  return mark.known() ? mark.to_string() : service.mark.to_string();
}

// "svc" or "svc:alias" (links); "svc", "svc:ro", "container:name[:ro]" (volumes_from).
std::string service_part(const std::string& reference) {
  return reference.substr(0, reference.find(':'));
}

// "service:name" in network_mode, pid, ipc; empty for any other mode.
std::string shared_namespace_provider(const std::string& mode) {
  return starts_with(mode, "service:") ? mode.substr(8) : std::string();
}

std::vector<Edge> references_of(const compose::Service& s) {
  std::vector<Edge> edges;
  for (const auto& [name, dep] : s.depends_on)
    edges.push_back(Edge{name, "depends_on", location_of(s, dep.mark), dep.required});
  for (const auto& link : s.links)
    edges.push_back(Edge{service_part(link), "links", location_of(s, {}), true});
  for (const auto& from : s.volumes_from)
    if (!starts_with(from, "container:"))
      edges.push_back(Edge{service_part(from), "volumes_from", location_of(s, {}), true});
  const std::pair<const char*, const std::string*> modes[] = {
      {"network_mode", &s.network_mode}, {"pid", &s.pid}, {"ipc", &s.ipc}};
  for (const auto& [key, mode] : modes) {
    std::string provider = shared_namespace_provider(*mode);
    if (!provider.empty()) edges.push_back(Edge{provider, key, location_of(s, {}), true});
  }
  return edges;
}

Error disabled_reference(const compose::Service& from, const Edge& edge,
                         const compose::Service& to) {
  return Error("service \"" + from.name + "\" refers to service \"" + to.name + "\" (" +
               edge.reason + "), which is disabled by its profiles")
      .at(edge.location)
      .hint("enable one of its profiles with --profile " + join(to.profiles, " or --profile "));
}

}  // namespace

Result<DependencyGraph> from_project(const compose::Project& project) {
  DependencyGraph graph;
  for (const auto& [name, service] : project.services)
    if (!service.disabled) graph.add_service(name);
  for (const auto& [name, service] : project.services) {
    if (service.disabled) continue;
    for (auto& edge : references_of(service)) {
      auto target = project.services.find(edge.to);
      if (target != project.services.end() && target->second.disabled) {
        if (!edge.required) continue;
        return disabled_reference(service, edge, target->second);
      }
      graph.add_edge(name, std::move(edge));
    }
  }
  return graph;
}

}  // namespace pier::graph
