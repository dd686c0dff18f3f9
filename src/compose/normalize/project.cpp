// normalize_project: the document root -> Project. Order matters only for errors:
// top-level resources are read first so services can be checked against them.
#include <cstdlib>

#include "base/strings.h"
#include "compose/names.h"
#include "compose/normalize.h"
#include "compose/normalize/common.h"
#include "compose/normalize/top_level.h"
#include "compose/validate.h"

namespace pier::compose {

namespace {

std::string home_directory(const ProjectTree& tree) {
  auto it = tree.environment.find("HOME");
  if (it != tree.environment.end()) return it->second;
  const char* home = std::getenv("HOME");
  return home ? home : "/";
}

Status read_services(const detail::Context& ctx, const Node& root, Project& project) {
  const Node* services = root.find("services");
  if (!services || services->is_null()) return {};
  if (!services->is_mapping()) return detail::type_error(*services, "services", "a mapping");
  for (const auto& e : services->entries()) {
    if (starts_with(e.key, "x-")) continue;
    // The service name is part of container names, hostnames and image tags.
    if (!is_resource_key(e.key))
      return Error("invalid service name `" + e.key + "`: a service name is [a-zA-Z0-9._-], and not `.` or `..`")
          .at(e.key_mark.to_string());
    PIER_TRY(Service s, detail::normalize_service(ctx, e.key, e.key_mark, e.value));
    project.services[e.key] = std::move(s);
  }
  return {};
}

void warn_obsolete_version(const Node& root, Warnings& warnings) {
  const Node::Entry* version = root.find_entry("version");
  if (!version) return;
  warnings.push_back({version->key_mark.to_string(),
                      "the attribute `version` is obsolete, it will be ignored, please remove it to "
                      "avoid potential confusion"});
}

Result<Project> normalize_tree(const ProjectTree& tree, Warnings& warnings, const NormalizeOptions& options) {
  detail::Context ctx{tree, warnings, home_directory(tree), options};
  const Node& root = tree.root;
  Project project;
  project.name = tree.name;
  project.working_dir = tree.working_dir;
  project.config_files = tree.config_files;
  if (root.is_null()) return Error("the compose file is empty").hint("add a `services:` section");
  if (!root.is_mapping()) return detail::type_error(root, "the compose file", "a mapping");
  PIER_CHECK(detail::check_keys(root, {"version", "name", "services", "networks", "volumes",
                                       "secrets", "configs", "include", "models"}));
  warn_obsolete_version(root, warnings);
  PIER_CHECK(detail::normalize_top_level(ctx, root, project));
  if (const Node* models = root.find("models")) project.models = detail::node_json(*models);
  project.extensions = detail::read_extensions(root);
  PIER_CHECK(read_services(ctx, root, project));
  detail::add_default_network(ctx, project);
  if (options.consistency) PIER_CHECK(validate_project(project));
  return project;
}

}  // namespace

Result<Project> normalize_project(const ProjectTree& tree, Warnings& warnings, const NormalizeOptions& options) {
  // nlohmann and the standard library may throw (bad_alloc, conversions); nothing
  // escapes stage 2 as an exception.
  try {
    return normalize_tree(tree, warnings, options);
  } catch (const std::exception& e) {
    return Error(std::string("normalising the compose project: ") + e.what());
  }
}

}  // namespace pier::compose
