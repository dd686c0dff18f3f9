// `pier run SERVICE [COMMAND...]`: a one-off container of the service. Its stdin,
// stdout and stderr are pipes this process relays to its own (stdio_relay.h), handed to
// the supervisor over the control socket (SCM_RIGHTS); with -t, a pty whose master the
// supervisor sends back (console_socket.h) and this process relays as exec does
// (tty_relay.h). The exit code is the container's.
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <optional>

#include "app/service_build.h"
#include "app/stdio_relay.h"
#include "app/terminal.h"
#include "app/tty_relay.h"
#include "base/unique_fd.h"
#include "cli/commands.h"
#include "cli/supervisor_link.h"
#include "compose/dotenv.h"
#include "state/container_record.h"
#include "supervisor/control/console_socket.h"

namespace pier::cli {
namespace {

// Containers of the project whose service is not in the compose files, one-offs of an
// earlier `run` included (Compose's `run` counts them, `up` does not): warned about,
// or removed with --remove-orphans. COMPOSE_IGNORE_ORPHANS silences the warning.
Status handle_orphans(const ProjectRef& project, bool remove) {
  auto records = state::RecordStore(project.paths.records_dir()).list();
  if (!records) return records.error();
  std::vector<std::string> names, services;
  for (const auto& r : *records) {
    if (project.loaded->project.services.count(r.service)) continue;
    names.push_back(r.name);
    if (std::find(services.begin(), services.end(), r.service) == services.end()) services.push_back(r.service);
  }
  if (names.empty()) return {};
  if (remove) {
    supervisor::control::RemoveRequest request;
    request.services = services;
    request.force = request.stop = request.oneoffs = true;
    return call_supervisor(project.paths, request);
  }
  if (app::env_flag("COMPOSE_IGNORE_ORPHANS")) return {};
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : " ") + n;
  std::fprintf(stderr, "WARN[0000] Found orphan containers ([%s]) for this project. If you removed or renamed this "
                       "service in your compose file, you can run this command with the --remove-orphans flag to "
                       "clean it up.\n", list.c_str());
  return {};
}

volatile sig_atomic_t g_run_signal = 0;
void remember_signal(int signum) { g_run_signal = signum; }

// -e KEY=VALUE, -e KEY (from the project's environment: this process's over .env,
// --env-file or COMPOSE_ENV_FILES; left out when unset there), then each --env-from-file
// for the keys -e did not set, as Docker Compose merges them.
Result<std::vector<std::string>> run_environment(const std::vector<std::string>& flags,
                                                 const std::vector<std::string>& files,
                                                 const compose::Environment& project_env) {
  compose::Environment env;
  for (const auto& e : flags) {
    if (auto eq = e.find('='); eq != std::string::npos) env[e.substr(0, eq)] = e.substr(eq + 1);
    else if (auto it = project_env.find(e); it != project_env.end()) env[e] = it->second;
  }
  for (const auto& file : files) {
    PIER_TRY(auto vars, compose::read_dotenv_file(file, compose::lookup_in(env)).context("--env-from-file"));
    for (auto& [key, value] : vars) env.try_emplace(key, std::move(value));
  }
  std::vector<std::string> out;
  for (const auto& [key, value] : env) out.push_back(key + "=" + value);
  return out;
}

}  // namespace

void register_run(CLI::App& app, const GlobalOptions& globals, const std::vector<std::string>& command,
                  CommandResult& result) {
  auto* cmd = app.add_subcommand("run", "Run a one-off command on a service");
  struct Flags {
    bool rm = false, detach = false, no_deps = false, service_ports = false, no_tty = false, tty = false,
         interactive = true, build = false, remove_orphans = false, use_aliases = false;
    std::vector<std::string> env, env_files, volumes, publish, labels, cap_add, cap_drop;
    std::string entrypoint, user, workdir, name, pull, service;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_flag("--rm", f->rm, "Automatically remove the container when it exits");
  cmd->add_flag("-d,--detach", f->detach, "Run container in background and print its name");
  cmd->add_flag("--no-deps", f->no_deps, "Don't start linked services");
  cmd->add_flag("-P,--service-ports", f->service_ports, "Run command with the service's ports enabled and mapped to the host");
  auto* no_tty = cmd->add_flag("-T,--no-TTY,--no-tty", f->no_tty,
                               "Disable pseudo-TTY allocation (default: a TTY when stdout is a terminal)");
  auto* tty = cmd->add_flag("-t,--tty", f->tty, "Allocate a pseudo-TTY");
  auto* interactive = cmd->add_flag("-i,--interactive", f->interactive, "Keep STDIN open even if not attached (default)");
  cmd->add_option("-e,--env", f->env, "Set environment variables")->allow_extra_args(false);
  cmd->add_option("--env-from-file", f->env_files, "Set environment variables from a file")->allow_extra_args(false);
  cmd->add_option("-l,--label,--labels", f->labels, "Add or override a label (KEY=VALUE)")->allow_extra_args(false);
  cmd->add_option("--cap-add", f->cap_add, "Add Linux capabilities")->allow_extra_args(false);
  cmd->add_option("--cap-drop", f->cap_drop, "Drop Linux capabilities")->allow_extra_args(false);
  cmd->add_option("-v,--volume,--volumes", f->volumes, "Bind mount a volume")->allow_extra_args(false);
  cmd->add_option("-p,--publish", f->publish, "Publish a container's port(s) to the host")->allow_extra_args(false);
  auto* ep = cmd->add_option("--entrypoint", f->entrypoint, "Override the entrypoint of the image");
  cmd->add_option("-u,--user", f->user, "Run as specified username or uid");
  cmd->add_option("-w,--workdir", f->workdir, "Working directory inside the container");
  cmd->add_option("--name", f->name, "Assign a name to the container");
  cmd->add_option("--pull", f->pull, "Pull image before running (always|missing|never)")
      ->check(CLI::IsMember({"always", "missing", "never"}));
  cmd->add_flag("--build", f->build, "Build image before starting container");
  // pier run prints no pull progress: quiet already.
  cmd->add_flag("--quiet-pull")->description("Pull without printing progress information");
  cmd->add_flag("--remove-orphans", f->remove_orphans, "Remove containers for services not defined in the Compose file");
  cmd->add_flag("--use-aliases", f->use_aliases,
                "Use the service's network aliases in the networks the container connects to");
  cmd->add_option("service", f->service, "Service")->required();
  // Options stop at SERVICE: the words after it are the command (read_command_line()).
  cmd->prefix_command();
  cmd->footer("Usage: pier run [OPTIONS] SERVICE [COMMAND] [ARGS...]\n"
              "Options go before SERVICE; every word after SERVICE is the command's.");
  cmd->callback([ep, no_tty, tty, interactive, f, &command, &globals, &result] {
    if (tty->count() > 0 && no_tty->count() > 0) {
      result.exit_code = report(Error("--tty and --no-TTY can't be used together"));
      return;
    }
    if (!f->publish.empty() && f->service_ports) {
      result.exit_code = report(Error("--service-ports and --publish are incompatible"));
      return;
    }
    // Docker Compose's default: a TTY when stdout is a terminal, unless stdin is not one
    // and neither -T nor -i says otherwise; -t asks for one whatever the terminal.
    bool use_tty = tty->count() > 0 ? f->tty : !f->no_tty && ::isatty(1);
    if (tty->count() == 0 && no_tty->count() == 0 && interactive->count() == 0 && !::isatty(0)) use_tty = false;
    if (f->detach) use_tty = false;  // no CLI stays to hold the terminal (docs/compat.md)
    auto project = resolve_project(globals, {f->service});
    if (!project || !project->loaded) {
      result.exit_code = report(project ? Error("no configuration file provided: not found") : project.error());
      return;
    }
    if (!project->loaded->project.find_service(f->service)) {
      result.exit_code = report(Error("no such service: " + f->service));
      return;
    }
    auto env = run_environment(f->env, f->env_files, project->loaded->tree.environment);
    if (!env) {
      result.exit_code = report(env.error());
      return;
    }
    // Built here, as `up` builds: with --build every service with `build:`, otherwise
    // those whose image is not in the store yet (Compose never pulls a build-only image).
    if (auto st = app::build_before_start(state_root(globals), project->loaded->project, {f->service}, f->no_deps,
                                          f->build, false);
        !st) {
      result.exit_code = report(st.error());
      return;
    }
    supervisor::control::RunRequest request;
    request.source = source_of(globals, {f->service});
    request.service = f->service;
    request.name = f->name;
    request.rm = f->rm;
    request.detach = f->detach;
    request.no_deps = f->no_deps;
    request.pull = f->pull;
    auto& o = request.overrides;
    o.command = command;
    o.env = std::move(*env);
    o.volumes = f->volumes;
    o.publish = f->publish;
    o.labels = f->labels;
    o.cap_add = f->cap_add;
    o.cap_drop = f->cap_drop;
    o.use_aliases = f->use_aliases;
    o.user = f->user;
    o.workdir = f->workdir;
    o.service_ports = f->service_ports;
    o.interactive = f->interactive;
    o.tty = use_tty;
    if (winsize ws{}; use_tty && (::ioctl(0, TIOCGWINSZ, &ws) == 0 || ::ioctl(1, TIOCGWINSZ, &ws) == 0)) {
      o.tty_rows = ws.ws_row;
      o.tty_cols = ws.ws_col;
    }
    if (ep->count() > 0) o.entrypoint = f->entrypoint;
    if (auto st = handle_orphans(*project, f->remove_orphans || app::env_flag("COMPOSE_REMOVE_ORPHANS")); !st) {
      result.exit_code = report(st.error());
      return;
    }
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
    // -t: the container's pty master comes back over this socket pair once it runs.
    UniqueFd console, console_theirs, master;
    if (use_tty) {
      int pair[2];
      if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
        result.exit_code = report(Error::system("create the terminal socket of", "run " + f->service, errno));
        return;
      }
      console = UniqueFd(pair[0]);
      console_theirs = UniqueFd(pair[1]);
      fds = {console_theirs.get()};
    } else if (!f->detach) {
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
    console_theirs.reset();
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
      } else if (master && !client->has_buffered_line()) {
        app::relay_tty(master.get(), client->fd(), f->interactive);
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
      if (const auto* s = std::get_if<control::RunStarted>(&**line)) {
        container = s->container;
        if (console) {
          auto received = control::receive_console(console.get());
          if (!received) {
            result.exit_code = report(std::move(received).error().context("run " + f->service));
            return;
          }
          master = std::move(*received);
          console.reset();
        }
      }
      if (const auto* x = std::get_if<control::RunExited>(&**line)) {
        exit_code = x->exit_code;
        // The container is gone: what it wrote last may still sit in the pty.
        if (master) app::drain_tty(master.get(), 200);
      }
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
