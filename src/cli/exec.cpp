// `pier exec SERVICE COMMAND...`: runs in the service's running container (replica
// --index), or, when none of its replicas runs and no index is given, in a running
// `pier run` one-off of it, as Docker Compose picks its exec target.
#include <unistd.h>

#include <cstdio>

#include "app/exec.h"
#include "app/service_containers.h"
#include "cli/commands.h"
#include "cli/supervisor_link.h"
#include "runtime/security/sealed_exe.h"
#include "state/container_record.h"

namespace pier::cli {

void register_exec(CLI::App& app, const GlobalOptions& globals, const std::vector<std::string>& command,
                   CommandResult& result) {
  auto* cmd = app.add_subcommand("exec", "Execute a command in a running container");
  struct Flags {
    bool no_tty = false, detach = false, privileged = false, interactive = true;
    std::string user, workdir;
    std::vector<std::string> env;
    int index = 0;  // 0: not given
    std::string service;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_flag("-T,--no-TTY,--no-tty", f->no_tty,
                "Disable pseudo-TTY allocation. By default a TTY is allocated when stdin is one");
  // Docker Compose accepts `-t` so that `exec -it` typed from `docker exec` habits works;
  // the TTY is already the default.
  cmd->add_flag("-t,--tty")->description("Allocate a pseudo-TTY (the default when stdin is a terminal)");
  cmd->add_flag("-d,--detach", f->detach, "Detached mode: Run command in the background");
  cmd->add_flag("--privileged", f->privileged, "Give extended privileges to the process");
  cmd->add_flag("-i,--interactive", f->interactive, "Keep STDIN open even if not attached (default)");
  cmd->add_option("-u,--user", f->user, "Run the command as this user");
  cmd->add_option("-w,--workdir", f->workdir, "Path to workdir directory for this command");
  cmd->add_option("-e,--env", f->env, "Set environment variables")->allow_extra_args(false);
  cmd->add_option("--index", f->index, "Index of the container if service has multiple replicas");
  cmd->add_option("service", f->service, "Service")->required();
  // Options stop at SERVICE: every word after it is the command, with its own flags
  // (`exec web ls -la`). read_command_line() keeps those words from CLI11 and rejects an
  // unknown option before SERVICE.
  cmd->prefix_command();
  cmd->footer("Usage: pier exec [OPTIONS] SERVICE COMMAND [ARGS...]\n"
              "Options go before SERVICE; every word after SERVICE is the command's.");
  cmd->callback([f, &command, &globals, &result] {
    // This process clones into the container: it runs from a sealed copy of pier.
    if (auto sealed = runtime::reexec_sealed(); !sealed) {
      result.exit_code = report(sealed.error());
      return;
    }
    if (command.empty()) {
      result.exit_code = report(Error("exec: no command given").hint("pier exec SERVICE COMMAND [ARGS...]"));
      return;
    }
    auto project = resolve_project(globals, {f->service});
    if (!project) {
      result.exit_code = report(project.error());
      return;
    }
    if (project->loaded && !project->loaded->project.find_service(f->service)) {
      result.exit_code = report(Error("no such service: " + f->service));
      return;
    }
    auto records = current_records(project->paths);
    if (!records) {
      result.exit_code = report(records.error());
      return;
    }
    // Replicas before one-offs; --index N names replica N only (Compose's
    // getSpecifiedContainer over running containers, one-offs included).
    auto target = app::select_container(*records, app::ServiceSelector{f->service, f->index, true});
    if (!target) {
      std::string which = f->index ? " container #" + std::to_string(f->index) : "";
      result.exit_code = report(Error("service \"" + f->service + "\" is not running" + which));
      return;
    }
    app::ExecOptions options;
    options.argv = command;
    for (const auto& e : f->env) {
      // `-e KEY` takes KEY from the CLI's environment, as docker does.
      if (e.find('=') != std::string::npos) options.env.push_back(e);
      else if (const char* v = std::getenv(e.c_str())) options.env.push_back(e + "=" + v);
    }
    options.user = f->user;
    options.workdir = f->workdir;
    options.tty = !f->no_tty && !f->detach && ::isatty(0);
    options.interactive = f->interactive;
    options.privileged = f->privileged;
    options.detach = f->detach;
    auto code = app::exec_in_container(*target, options);
    if (!code) {
      result.exit_code = report(std::move(code).error().context("service " + f->service));
      return;
    }
    result.exit_code = *code;
  });
}

}  // namespace pier::cli
