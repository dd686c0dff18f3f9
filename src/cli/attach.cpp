// `pier attach SERVICE`: a service container's main process on this terminal, its
// output and (with `stdin_open`) its input, as `docker compose attach` gives it, until
// the container exits or the detach keys are typed (app/attach.h).
#include "app/attach.h"
#include "app/service_containers.h"
#include "cli/commands.h"
#include "cli/supervisor_link.h"

namespace pier::cli {
namespace {

struct AttachFlags {
  std::string detach_keys;
  int index = 0;
  bool no_stdin = false;
  bool sig_proxy = true;
  std::string service;
};

Result<int> attach(const GlobalOptions& globals, const AttachFlags& f) {
  PIER_TRY(auto project, resolve_project(globals, {f.service}));
  if (project.loaded && !project.loaded->project.find_service(f.service))
    return Error("no such service: " + f.service);
  PIER_TRY(auto records, current_records(project.paths));
  // As Compose: the service's lowest replica (or --index N), else a `run` one-off.
  PIER_TRY(auto record, app::select_container(records, app::ServiceSelector{f.service, f.index, true}));
  return app::attach_container(project.paths, record, app::AttachOptions{f.sig_proxy, f.no_stdin, f.detach_keys})
      .context("attach to container " + record.name);
}

}  // namespace

void register_attach(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* cmd = app.add_subcommand("attach",
                                 "Attach local standard input, output, and error streams to a service's running container");
  auto f = std::make_shared<AttachFlags>();
  cmd->add_option("--detach-keys", f->detach_keys, "Override the key sequence for detaching from a container "
                                                   "(default: detachKeys of the Docker config, else ctrl-p,ctrl-q; read from a tty "
                                                   "container's input)");
  cmd->add_option("--index", f->index, "index of the container if service has multiple replicas.")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--no-stdin", f->no_stdin, "Do not attach STDIN");
  cmd->add_flag("--sig-proxy", f->sig_proxy, "Proxy all received signals to the process (default true; --sig-proxy=false)");
  cmd->add_option("service", f->service, "Service")->required();
  cmd->callback([f, &globals, &result] {
    auto code = attach(globals, *f);
    result.exit_code = code ? *code : report(code.error());
  });
}

}  // namespace pier::cli
