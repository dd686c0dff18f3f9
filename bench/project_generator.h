// Generates a realistic large compose project for benchmarks: services built or
// pulled, published ports, bind and named volumes, environment and env files,
// depends_on chains with conditions, health checks, several networks, labels, and
// the anchors with `<<` merge keys that real files use to share settings.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace pier::bench {

struct GeneratedProject {
  std::string compose_yaml;
  // Files the project refers to, as {relative path, content}: build contexts,
  // env files, secrets. Written next to compose.yaml.
  std::vector<std::pair<std::string, std::string>> files;
};

// `services` >= 10; the first 10 are databases the others depend on.
GeneratedProject generate_project(int services);

// Writes the project into `dir` (which must exist). Returns false and sets `error`
// on failure.
bool write_project(const GeneratedProject& project, const std::string& dir, std::string& error);

}  // namespace pier::bench
