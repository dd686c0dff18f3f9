// `pier push [SERVICE...]`: pushes the images of the services that build one (flags
// only; the work is app::images::push_services).
#include <cstdio>
#include <set>

#include "app/images/project_push.h"
#include "app/terminal.h"
#include "cli/commands.h"
#include "cli/project.h"

namespace pier::cli {
namespace {

struct PushFlags {
  bool include_deps = false;
  std::vector<std::string> services;
  app::images::ProjectPushOptions options;
};

Status push_project(const GlobalOptions& globals, const PushFlags& f) {
  PIER_TRY(auto loaded, load_project(globals, f.services));
  const auto& project = loaded.project;
  // The named services (their dependencies too with --include-deps), or every enabled
  // service, in name order as the project lists them.
  std::set<std::string> chosen;
  std::vector<std::string> todo = f.services;
  if (todo.empty())
    for (const auto& [name, service] : project.services)
      if (!service.disabled) chosen.insert(name);
  while (!todo.empty()) {
    std::string name = todo.back();
    todo.pop_back();
    const auto* service = project.find_service(name);
    if (!service) return Error("push: no such service: " + name);
    if (!chosen.insert(name).second || !f.include_deps) continue;
    for (const auto& [dep, _] : service->depends_on) todo.push_back(dep);
  }
  std::vector<app::images::ServicePush> pushes;
  for (const auto& name : chosen) {
    const auto& service = *project.find_service(name);
    app::images::ServicePush p{name, {}};
    if (service.build && !service.image.empty()) {
      p.tags.push_back(service.image);
      for (const auto& tag : service.build->tags) p.tags.push_back(tag);
    }
    pushes.push_back(std::move(p));
  }
  return app::images::push_services(state_root(globals), pushes, f.options, app::status_stream());
}

}  // namespace

void register_push(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* cmd = app.add_subcommand("push", "Push service images");
  auto f = std::make_shared<PushFlags>();
  cmd->add_flag("--ignore-push-failures", f->options.ignore_failures, "Push what it can and ignores images with push failures");
  cmd->add_flag("--include-deps", f->include_deps, "Also push images of services declared as dependencies");
  cmd->add_flag("-q,--quiet", f->options.quiet, "Push without printing progress information");
  cmd->add_option("services", f->services, "Services whose images to push (default: all)");
  cmd->callback([f, &globals, &result] {
    auto st = push_project(globals, *f);
    result.exit_code = st ? 0 : report(st.error());
  });
}

}  // namespace pier::cli
