// `pier export SERVICE`: the service container's filesystem as a tar on stdout or in
// `-o FILE`, as `docker compose export` writes it (app/export.h).
#include "app/export.h"
#include "app/service_containers.h"
#include "cli/commands.h"
#include "cli/supervisor_link.h"

namespace pier::cli {
namespace {

struct ExportFlags {
  int index = 0;
  std::string output;
  std::string service;
};

Status export_service(const GlobalOptions& globals, const ExportFlags& f) {
  PIER_TRY(auto project, resolve_project(globals, {f.service}));
  if (project.loaded && !project.loaded->project.find_service(f.service))
    return Error("no such service: " + f.service);
  PIER_TRY(auto records, current_records(project.paths));
  // A stopped container too, as `docker export` takes one.
  PIER_TRY(auto record, app::select_container(records, app::ServiceSelector{f.service, f.index, false, false}));
  return app::export_container(project.paths.root, record, f.output).context("export container " + record.name);
}

}  // namespace

void register_export(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* cmd = app.add_subcommand("export", "Export a service container's filesystem as a tar archive");
  auto f = std::make_shared<ExportFlags>();
  cmd->add_option("--index", f->index, "index of the container if service has multiple replicas.")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("-o,--output", f->output, "Write to a file, instead of STDOUT");
  cmd->add_option("service", f->service, "Service")->required();
  cmd->callback([f, &globals, &result] {
    auto st = export_service(globals, *f);
    result.exit_code = st ? 0 : report(st.error());
  });
}

}  // namespace pier::cli
