// `pier run SERVICE [COMMAND...]`: a one-off container of the service. Its stdin,
// stdout and stderr are pipes this process relays to its own (stdio_relay.h), handed to
// the supervisor over the control socket (SCM_RIGHTS); the exit code is the container's.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <optional>

#include "app/stdio_relay.h"
#include "base/unique_fd.h"
#include "cli/commands.h"
#include "cli/supervisor_link.h"

namespace pier::cli {
namespace {

volatile sig_atomic_t g_run_signal = 0;
void remember_signal(int signum) { g_run_signal = signum; }

}  // namespace

void register_run(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* cmd = app.add_subcommand("run", "Run a one-off command on a service");
  struct Flags {
    bool rm = false, detach = false, no_deps = false, service_ports = false, no_tty = false, interactive = true;
    std::vector<std::string> env, volumes, publish;
    std::string entrypoint, user, workdir, name, service;
    bool has_entrypoint = false;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_flag("--rm", f->rm, "Automatically remove the container when it exits");
  cmd->add_flag("-d,--detach", f->detach, "Run container in background and print its name");
  cmd->add_flag("--no-deps", f->no_deps, "Don't start linked services");
  cmd->add_flag("-P,--service-ports", f->service_ports, "Run command with the service's ports enabled and mapped to the host");
  cmd->add_flag("-T,--no-TTY", f->no_tty, "Disable pseudo-TTY allocation");
  cmd->add_flag("-i,--interactive", f->interactive, "Keep STDIN open even if not attached (default)");
  cmd->add_option("-e,--env", f->env, "Set environment variables")->allow_extra_args(false);
  cmd->add_option("-v,--volume", f->volumes, "Bind mount a volume")->allow_extra_args(false);
  cmd->add_option("-p,--publish", f->publish, "Publish a container's port(s) to the host")->allow_extra_args(false);
  auto* ep = cmd->add_option("--entrypoint", f->entrypoint, "Override the entrypoint of the image");
  cmd->add_option("-u,--user", f->user, "Run as specified username or uid");
  cmd->add_option("-w,--workdir", f->workdir, "Working directory inside the container");
  cmd->add_option("--name", f->name, "Assign a name to the container");
  cmd->add_option("service", f->service, "Service")->required();
  cmd->prefix_command();
  cmd->allow_extras();
  cmd->callback([cmd, ep, f, &globals, &result] {
    std::vector<std::string> command = cmd->remaining();
    auto project = resolve_project(globals, {f->service});
    if (!project || !project->loaded) {
      result.exit_code = report(project ? Error("no configuration file provided: not found") : project.error());
      return;
    }
    if (!project->loaded->project.find_service(f->service)) {
      result.exit_code = report(Error("no such service: " + f->service));
      return;
    }
    std::vector<std::string> env;
    for (const auto& e : f->env) {
      if (e.find('=') != std::string::npos) env.push_back(e);
      else if (const char* v = std::getenv(e.c_str())) env.push_back(e + "=" + v);
    }
    supervisor::control::RunRequest request;
    request.source = source_of(globals, {f->service});
    request.service = f->service;
    request.name = f->name;
    request.rm = f->rm;
    request.detach = f->detach;
    request.no_deps = f->no_deps;
    auto& o = request.overrides;
    o.command = command;
    o.env = env;
    o.volumes = f->volumes;
    o.publish = f->publish;
    o.user = f->user;
    o.workdir = f->workdir;
    o.service_ports = f->service_ports;
    o.interactive = f->interactive;
    if (ep->count() > 0) o.entrypoint = f->entrypoint;
    auto client = supervisor_of(project->paths);
    if (!client) {
      result.exit_code = report(client.error());
      return;
    }
    // Ctrl-C goes to this process (the container is not in the terminal's foreground
    // group): pass it on to the container, as docker compose run does.
    struct sigaction sa {};
    sa.sa_handler = remember_signal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
    std::vector<int> fds;
    UniqueFd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    std::optional<app::StdioRelay> relay;
    if (!f->detach) {
      auto opened = app::StdioRelay::open(f->interactive);
      if (!opened) {
        result.exit_code = report(opened.error());
        return;
      }
      relay = std::move(*opened);
      auto ends = relay->container_ends();
      fds = {f->interactive ? ends[0] : devnull.get(), ends[1], ends[2]};
    }
    if (auto st = client->send(request, fds); !st) {
      result.exit_code = report(st.error());
      return;
    }
    if (relay) relay->close_container_ends();
    std::string container;
    int exit_code = 0;
    bool forwarded = false;
    // A signal goes to the container once. With nothing to pass it to yet, or a second
    // time, the user wants out: leaving closes the connection, and the supervisor then
    // starts nothing for us. Returns true when the CLI should leave now.
    auto on_signal = [&]() -> bool {
      int signum = g_run_signal;
      g_run_signal = 0;
      if (!signum) return false;
      if (container.empty()) {
        std::fprintf(stderr, "pier run: interrupted before the container started\n");
        result.exit_code = 128 + signum;
        return true;
      }
      if (forwarded) {
        std::fprintf(stderr, "pier run: interrupted again; container %s may still be running (`pier kill` "
                             "stops it)\n", container.c_str());
        result.exit_code = 128 + signum;
        return true;
      }
      forwarded = true;
      supervisor::control::SignalRequest kill;
      kill.containers = std::vector<std::string>{container};
      kill.signal = signum == SIGINT ? "SIGINT" : "SIGTERM";
      (void)call_supervisor(project->paths, kill, app::ProgressMode::quiet);
      return false;
    };
    for (;;) {
      // A signal that came while we were not blocked (during the send, or while a line
      // was handled) interrupted nothing: act on it before blocking again.
      if (g_run_signal) {
        if (on_signal()) return;
        continue;
      }
      // The container's output flows while we wait for the supervisor's next line.
      if (relay && !client->has_buffered_line()) {
        if (auto st = relay->pump_until(client->fd()); !st) {
          if (st.error().errnum() == EINTR) {
            if (on_signal()) return;
            continue;
          }
          result.exit_code = report(st.error());
          return;
        }
      }
      auto line = client->next();
      if (!line) {
        if (line.error().errnum() == EINTR) {
          if (on_signal()) return;
          continue;
        }
        result.exit_code = report(line.error());
        return;
      }
      if (!*line) {
        result.exit_code = report(Error("the supervisor exited before the container did"));
        return;
      }
      namespace control = supervisor::control;
      if (const auto* w = std::get_if<control::Warning>(&**line)) std::fprintf(stderr, "warning: %s\n", w->message.c_str());
      if (const auto* s = std::get_if<control::RunStarted>(&**line)) container = s->container;
      if (const auto* x = std::get_if<control::RunExited>(&**line)) exit_code = x->exit_code;
      if (const auto* done = std::get_if<control::Done>(&**line)) {
        if (relay) relay->finish();
        if (!done->status()) {
          result.exit_code = report(done->status().error());
          return;
        }
        break;
      }
    }
    if (f->detach) std::printf("%s\n", container.c_str());
    result.exit_code = exit_code;
  });
}

}  // namespace pier::cli
