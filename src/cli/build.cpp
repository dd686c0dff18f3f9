// `pier build [SERVICE...]`: builds the images of the project's services that have
// `build:` (all of them when none is named), in parallel, on pier's own runtime.
#include <cstdio>

#include "app/dry_run/dry_images.h"
#include "app/service_build.h"
#include "app/terminal.h"
#include "cli/commands.h"
#include "cli/project.h"
#include "runtime/security/sealed_exe.h"

namespace pier::cli {
namespace {

struct BuildFlags {
  std::vector<std::string> services, build_args;
  app::ServiceBuildOptions options;
};

Status build_project(const GlobalOptions& globals, const BuildFlags& f) {
  // RUN steps clone into containers from this process: it runs from a sealed copy (a
  // dry run builds nothing).
  if (!app::terminal().dry_run) PIER_CHECK(runtime::reexec_sealed());
  PIER_TRY(auto loaded, load_project(globals, f.services));
  std::vector<std::string> names = f.services;
  for (const auto& name : names) {
    const auto* service = loaded.project.find_service(name);
    if (!service) return Error("no such service: " + name);
    if (!service->build) return Error("service " + name + " has no `build:` section").hint("it uses `image:` only");
  }
  if (names.empty())
    for (const auto& [name, service] : loaded.project.services)
      if (!service.disabled && service.build) names.push_back(name);
  if (app::terminal().dry_run) {
    app::dry_run::build(names);
    return {};
  }
  app::ServiceBuildOptions options = f.options;
  for (const auto& arg : f.build_args) {
    auto eq = arg.find('=');
    if (eq == 0) return Error("--build-arg `" + arg + "`: expected KEY=VALUE or KEY");
    if (eq == std::string::npos) {
      const char* v = std::getenv(arg.c_str());  // `--build-arg KEY` takes it from the environment
      options.build_args[arg] = v ? std::optional<std::string>(v) : std::nullopt;
    } else {
      options.build_args[arg.substr(0, eq)] = arg.substr(eq + 1);
    }
  }
  return app::build_services(state_root(globals), loaded.project, names, options, stderr);
}

}  // namespace

void register_build(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* cmd = app.add_subcommand("build", "Build or rebuild services");
  auto f = std::make_shared<BuildFlags>();
  cmd->add_flag("--no-cache", f->options.no_cache, "Do not use cache when building the image");
  cmd->add_flag("--pull", f->options.pull, "Always attempt to pull a newer version of the image");
  cmd->add_flag("-q,--quiet", f->options.quiet, "Don't print anything to STDOUT");
  cmd->add_option("--build-arg", f->build_args, "Set build-time variables for services")->allow_extra_args(false);
  cmd->add_option("--allow", f->options.allow, "Extra privileged entitlement (network.host)")->allow_extra_args(false);
  cmd->add_option("services", f->services, "Services to build (default: all with `build:`)");
  cmd->callback([f, &globals, &result] {
    auto st = build_project(globals, *f);
    result.exit_code = st ? 0 : report(st.error());
  });
}

}  // namespace pier::cli
