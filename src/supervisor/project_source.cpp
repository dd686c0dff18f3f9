#include "supervisor/project_source.h"

#include "base/strings.h"
#include "compose/normalize.h"
#include "compose/profiles.h"
#include "graph/from_project.h"

namespace pier::supervisor {
namespace {

// --profile wins; otherwise COMPOSE_PROFILES from the environment or .env.
std::vector<std::string> active_profiles(const ProjectSource& source, const compose::Environment& env) {
  std::vector<std::string> raw = source.profiles;
  if (raw.empty())
    if (auto it = env.find("COMPOSE_PROFILES"); it != env.end()) raw.push_back(it->second);
  std::vector<std::string> out;
  for (const auto& entry : raw)
    for (auto& p : split(entry, ','))
      if (!trim(p).empty()) out.emplace_back(trim(p));
  return out;
}

// `network_mode: bridge` is Docker's daemon-wide default bridge, which pier, with no
// daemon, does not have: such a service joins the project's default network instead
// (docs/compat.md). Compose's model, and so `pier config`, leaves that network out when
// no service lists it, so the running project gets it here.
void add_network_for_bridge_mode(compose::Project& project) {
  if (project.networks.count("default")) return;
  for (const auto& [name, service] : project.services) {
    if (service.disabled || !service.networks.empty()) continue;
    if (service.network_mode != "bridge" && service.network_mode != "default") continue;
    compose::NetworkConfig config;
    config.name = project.name + "_default";
    project.networks["default"] = config;
    return;
  }
}

}  // namespace

nlohmann::json to_json(const ProjectSource& s) {
  nlohmann::json j = {
      {"files", s.load.files},
      {"project_name", s.load.project_name},
      {"project_directory", s.load.project_directory},
      {"env_files", s.load.env_files},
      {"environment", s.load.environment},
      {"working_directory", s.load.working_directory},
      {"profiles", s.profiles},
      {"targeted", s.targeted},
      {"all_resources", s.all_resources},
  };
  if (s.load.stdin_text) j["stdin_text"] = *s.load.stdin_text;
  return j;
}

Result<ProjectSource> source_from_json(const nlohmann::json& j) {
  ProjectSource s;
  try {
    j.at("files").get_to(s.load.files);
    j.at("project_name").get_to(s.load.project_name);
    j.at("project_directory").get_to(s.load.project_directory);
    j.at("env_files").get_to(s.load.env_files);
    j.at("environment").get_to(s.load.environment);
    j.at("working_directory").get_to(s.load.working_directory);
    j.at("profiles").get_to(s.profiles);
    j.at("targeted").get_to(s.targeted);
    if (j.contains("all_resources")) j["all_resources"].get_to(s.all_resources);
    if (j.contains("stdin_text")) s.load.stdin_text = j["stdin_text"].get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    return Error(std::string("malformed project source in request: ") + e.what());
  }
  return s;
}

Result<LoadedProject> load_project(const ProjectSource& source) {
  LoadedProject out;
  PIER_TRY(out.tree, compose::load_tree(source.load));
  out.warnings = std::move(out.tree.warnings);
  out.tree.warnings.clear();
  auto project = compose::normalize_project(out.tree, out.warnings);
  if (!project.ok()) return std::move(project).error();
  PIER_CHECK(compose::apply_profiles(*project, active_profiles(source, out.tree.environment), source.targeted,
                                         source.all_resources));
  PIER_TRY(graph::DependencyGraph deps, graph::from_project(*project));
  PIER_CHECK(deps.check());
  add_network_for_bridge_mode(*project);
  out.project = std::move(*project);
  return out;
}

}  // namespace pier::supervisor
