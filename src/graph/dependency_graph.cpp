#include "graph/dependency_graph.h"

#include <algorithm>
#include <functional>

#include "base/strings.h"

namespace pier::graph {

void DependencyGraph::add_service(const std::string& name) { edges_[name]; }

void DependencyGraph::add_edge(const std::string& from, Edge edge) {
  edges_[from].push_back(std::move(edge));
}

std::vector<std::string> DependencyGraph::services() const {
  std::vector<std::string> out;
  for (const auto& [name, _] : edges_) out.push_back(name);
  return out;
}

std::vector<Edge> DependencyGraph::dependencies(const std::string& service) const {
  std::vector<Edge> out;
  auto it = edges_.find(service);
  if (it == edges_.end()) return out;
  for (const auto& e : it->second)
    if (has(e.to)) out.push_back(e);
  return out;
}

Status DependencyGraph::check() const {
  for (const auto& [name, edges] : edges_) {
    for (const auto& e : edges) {
      if (!e.required || has(e.to)) continue;
      return Error("service \"" + name + "\" depends on undefined service \"" + e.to + "\" (" +
                   e.reason + ")")
          .at(e.location)
          .hint("define it, enable its profile, or remove the reference");
    }
  }
  PIER_TRY(auto cycle, find_cycle());
  if (cycle.empty()) return {};
  // cycle is [a, b, ..., a]; the edge that closes it is cycle[n-2] -> cycle[n-1].
  std::string location;
  const std::string& last_from = cycle[cycle.size() - 2];
  for (const auto& e : edges_.at(last_from))
    if (e.to == cycle.back()) location = e.location;
  return Error("dependency cycle detected: " + join(cycle, " -> ")).at(location);
}

// Depth-first search with colours; returns the first cycle found (in name order,
// so the report is deterministic) or an empty vector.
Result<std::vector<std::string>> DependencyGraph::find_cycle() const {
  enum class Colour { white, grey, black };
  std::map<std::string, Colour> colour;
  std::vector<std::string> path;
  std::vector<std::string> cycle;

  std::function<bool(const std::string&)> visit = [&](const std::string& node) {
    colour[node] = Colour::grey;
    path.push_back(node);
    auto deps = dependencies(node);
    std::sort(deps.begin(), deps.end(), [](const Edge& a, const Edge& b) { return a.to < b.to; });
    for (const auto& e : deps) {
      Colour c = colour[e.to];
      if (c == Colour::grey) {
        auto start = std::find(path.begin(), path.end(), e.to);
        cycle.assign(start, path.end());
        cycle.push_back(e.to);
        return true;
      }
      if (c == Colour::white && visit(e.to)) return true;
    }
    path.pop_back();
    colour[node] = Colour::black;
    return false;
  };

  for (const auto& [name, _] : edges_)
    if (colour[name] == Colour::white && visit(name)) return cycle;
  return std::vector<std::string>{};
}

Result<Waves> DependencyGraph::start_waves() const {
  PIER_CHECK(check());
  // Kahn's algorithm, one wave at a time: a service is ready when everything it
  // depends on is placed in an earlier wave.
  std::map<std::string, size_t> pending;
  for (const auto& [name, _] : edges_) {
    std::set<std::string> distinct;
    for (const auto& e : dependencies(name)) distinct.insert(e.to);
    pending[name] = distinct.size();
  }
  Waves waves;
  std::set<std::string> placed;
  while (placed.size() < edges_.size()) {
    std::vector<std::string> wave;
    for (const auto& [name, count] : pending)
      if (count == 0 && !placed.count(name)) wave.push_back(name);
    for (const auto& name : wave) placed.insert(name);
    for (auto& [name, count] : pending) {
      if (placed.count(name)) continue;
      std::set<std::string> distinct;
      for (const auto& e : dependencies(name))
        if (!placed.count(e.to)) distinct.insert(e.to);
      count = distinct.size();
    }
    waves.push_back(std::move(wave));
  }
  return waves;
}

Result<Waves> DependencyGraph::stop_waves() const {
  PIER_TRY(Waves waves, start_waves());
  std::reverse(waves.begin(), waves.end());
  return waves;
}

std::set<std::string> DependencyGraph::with_dependencies(
    const std::vector<std::string>& targets) const {
  std::set<std::string> out;
  std::vector<std::string> todo(targets.begin(), targets.end());
  while (!todo.empty()) {
    std::string name = todo.back();
    todo.pop_back();
    if (!out.insert(name).second) continue;
    for (const auto& e : dependencies(name)) todo.push_back(e.to);
  }
  return out;
}

std::set<std::string> DependencyGraph::dependents_of(const std::string& service) const {
  std::set<std::string> out;
  std::vector<std::string> todo{service};
  while (!todo.empty()) {
    std::string target = todo.back();
    todo.pop_back();
    for (const auto& [name, edges] : edges_) {
      if (out.count(name)) continue;
      for (const auto& e : edges) {
        if (e.to == target) {
          out.insert(name);
          todo.push_back(name);
          break;
        }
      }
    }
  }
  return out;
}

}  // namespace pier::graph
