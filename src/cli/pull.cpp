// `pier pull [SERVICE...]`: pulls the images of the project's services (flags only;
// the work is app::images::pull_services).
#include <cstdio>
#include <set>

#include "app/dry_run/dry_images.h"
#include "app/images/service_pull.h"
#include "app/terminal.h"
#include "cli/commands.h"
#include "cli/project.h"

namespace pier::cli {
namespace {

struct PullFlags {
  bool include_deps = false;
  std::string policy;
  std::vector<std::string> services;
  app::images::ServicePullOptions options;
};

// The named services (with their dependencies under --include-deps), or every
// enabled service when none is named.
Result<std::vector<std::string>> selected(const compose::Project& project, const PullFlags& f) {
  std::set<std::string> out;
  std::vector<std::string> todo = f.services;
  if (todo.empty())
    for (const auto& [name, service] : project.services)
      if (!service.disabled) out.insert(name);
  while (!todo.empty()) {
    std::string name = todo.back();
    todo.pop_back();
    const auto* service = project.find_service(name);
    if (!service) return Error("no such service: " + name);
    if (!out.insert(name).second || !f.include_deps) continue;
    for (const auto& [dep, _] : service->depends_on) todo.push_back(dep);
  }
  return std::vector<std::string>(out.begin(), out.end());
}

Status pull_project(const GlobalOptions& globals, const PullFlags& f) {
  PIER_TRY(auto loaded, load_project(globals, f.services));
  PIER_TRY(auto names, selected(loaded.project, f));
  std::vector<app::images::ServiceImage> images;
  for (const auto& name : names) {
    const auto* service = loaded.project.find_service(name);
    images.push_back({name, service->image, service->build.has_value()});
  }
  if (app::terminal().dry_run) return app::dry_run::pull(state_root(globals), images, f.options);
  return app::images::pull_services(state_root(globals), images, f.options, stderr);
}

}  // namespace

void register_pull(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* cmd = app.add_subcommand("pull", "Pull service images");
  auto f = std::make_shared<PullFlags>();
  cmd->add_flag("-q,--quiet", f->options.quiet, "Pull without printing progress information");
  cmd->add_flag("--ignore-pull-failures", f->options.ignore_failures, "Pull what it can and ignores images with pull failures");
  cmd->add_flag("--include-deps", f->include_deps, "Also pull services declared as dependencies");
  cmd->add_flag("--ignore-buildable", f->options.ignore_buildable, "Ignore images that can be built");
  cmd->add_option("--policy", f->policy, "Apply pull policy (\"missing\"|\"always\")")
      ->check(CLI::IsMember({"missing", "always"}));
  cmd->add_option("services", f->services, "Services to pull (default: all)");
  cmd->callback([f, &globals, &result] {
    f->options.missing_only = f->policy == "missing";
    auto st = pull_project(globals, *f);
    result.exit_code = st ? 0 : report(st.error());
  });
}

}  // namespace pier::cli
