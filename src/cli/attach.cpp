// `pier attach SERVICE`: the output of a service container's main process, as `docker
// compose attach` shows it, until the container exits (app/attach.h).
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
  PIER_TRY(auto record, app::select_container(records, app::ServiceSelector{f.service, f.index}));
  return app::attach_container(project.paths, record, app::AttachOptions{f.sig_proxy})
      .context("attach to container " + record.name);
}

}  // namespace

void register_attach(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* cmd = app.add_subcommand("attach",
                                 "Attach local standard input, output, and error streams to a service's running container");
  auto f = std::make_shared<AttachFlags>();
  cmd->add_option("--detach-keys", f->detach_keys, "Override the key sequence for detaching from a container "
                                                   "(accepted; pier relays no input, so there is nothing to detach from)");
  cmd->add_option("--index", f->index, "index of the container if service has multiple replicas.")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--no-stdin", f->no_stdin, "Do not attach STDIN (pier never attaches it)");
  cmd->add_flag("--sig-proxy", f->sig_proxy, "Proxy all received signals to the process (default true; --sig-proxy=false)");
  cmd->add_option("service", f->service, "Service")->required();
  cmd->callback([f, &globals, &result] {
    auto code = attach(globals, *f);
    result.exit_code = code ? *code : report(code.error());
  });
}

}  // namespace pier::cli
