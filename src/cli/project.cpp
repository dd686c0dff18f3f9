#include "cli/project.h"

#include <cstdio>

#include "base/strings.h"
#include "compose/normalize.h"
#include "compose/profiles.h"
#include "graph/from_project.h"
#include "runtime/security/sealed_exe.h"

namespace pier::cli {
namespace {

// --profile wins; otherwise COMPOSE_PROFILES from the environment or .env.
std::vector<std::string> active_profiles(const GlobalOptions& globals,
                                         const compose::Environment& env) {
  std::vector<std::string> out;
  std::vector<std::string> raw = globals.profiles;
  if (raw.empty()) {
    auto it = env.find("COMPOSE_PROFILES");
    if (it != env.end()) raw.push_back(it->second);
  }
  for (const auto& entry : raw)
    for (auto& p : split(entry, ','))
      if (!trim(p).empty()) out.emplace_back(trim(p));
  return out;
}

}  // namespace

void print_warnings(const compose::Warnings& warnings) {
  // `up` re-executes itself after loading when it builds: the first process warned.
  if (runtime::reexecuted_for_sealing()) return;
  for (const auto& w : warnings) {
    if (w.location.empty())
      std::fprintf(stderr, "warning: %s\n", w.message.c_str());
    else
      std::fprintf(stderr, "warning: %s: %s\n", w.location.c_str(), w.message.c_str());
  }
}

int report(const Error& error) {
  std::fprintf(stderr, "error: %s\n", error.to_string().c_str());
  return 1;
}

Result<compose::ProjectTree> load_project_tree(const GlobalOptions& globals, bool interpolate) {
  compose::LoadOptions options = to_load_options(globals);
  options.interpolate = interpolate;
  // A CLI loads one project and exits: room for a large one's tree on huge pages.
  options.heap_per_source_byte = 24;
  PIER_TRY(compose::ProjectTree tree, compose::load_tree(options));
  print_warnings(tree.warnings);
  tree.warnings.clear();
  return tree;
}

Result<LoadedProject> load_project(const GlobalOptions& globals,
                                   const std::vector<std::string>& targeted,
                                   const compose::NormalizeOptions& options) {
  PIER_TRY(compose::ProjectTree tree, load_project_tree(globals, true));
  compose::Warnings warnings;
  auto project = compose::normalize_project(tree, warnings, options);
  print_warnings(warnings);
  if (!project.ok()) return std::move(project).error();
  PIER_CHECK(compose::apply_profiles(*project, active_profiles(globals, tree.environment), targeted,
                                     globals.all_resources));
  if (options.consistency) {
    PIER_TRY(graph::DependencyGraph deps, graph::from_project(*project));
    PIER_CHECK(deps.check());
  }
  return LoadedProject{std::move(tree), std::move(*project)};
}

}  // namespace pier::cli
