// Test helpers: YAML text -> normalised Project, as the CLI would run it.
#pragma once

#include <string>

#include "compose/normalize.h"
#include "compose/output.h"
#include "compose/yaml_loader.h"

namespace pier::compose::test {

inline ProjectTree make_tree(const std::string& yaml, Environment env = {},
                             const std::string& dir = "/work/proj") {
  ProjectTree tree;
  auto root = parse_yaml(yaml, "compose.yaml");
  if (!root) throw std::runtime_error(root.error().to_string());
  tree.root = std::move(*root);
  tree.name = "proj";
  tree.working_dir = dir;
  tree.config_files = {dir + "/compose.yaml"};
  if (!env.count("HOME")) env["HOME"] = "/home/user";
  tree.environment = std::move(env);
  return tree;
}

inline Result<Project> normalize(const std::string& yaml, Environment env = {},
                                 const std::string& dir = "/work/proj") {
  Warnings warnings;
  return normalize_project(make_tree(yaml, std::move(env), dir), warnings);
}

// The error text ("compose.yaml:3:5: service \"web\": ...") of a failing normalisation.
inline std::string error_of(const std::string& yaml, Environment env = {}) {
  auto p = normalize(yaml, std::move(env));
  if (p) return "<no error>";
  return p.error().to_string();
}

}  // namespace pier::compose::test
