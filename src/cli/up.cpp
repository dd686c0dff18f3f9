// `pier up`: the supervisor applies the project; in the foreground the CLI then shows
// the logs of the attached services and stops everything on Ctrl-C, as Docker Compose.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <thread>

#include "app/logs/log_streamer.h"
#include "app/service_build.h"
#include "base/clock.h"
#include "cli/commands.h"
#include "cli/supervisor_link.h"
#include "event/loop.h"
#include "runtime/security/sealed_exe.h"
#include "state/container_record.h"
#include "supervisor/control/protocol.h"

namespace pier::cli {
namespace {

namespace control = supervisor::control;
using state::ContainerState;

struct UpFlags {
  bool detach = false, wait = false, abort_on_exit = false, abort_on_failure = false;
  bool timestamps = false, no_log_prefix = false, no_color = false, build = false, no_build = false;
  int wait_timeout = 0;
  std::optional<int> timeout;
  std::string exit_code_from;
  std::vector<std::string> attach, no_attach, scale, services;
  supervisor::control::UpOptions options;
};

// Ctrl-C while `up` is still creating and starting: remembered, and acted on (stop
// everything) as soon as the containers are up and the log loop runs.
volatile sig_atomic_t g_interrupted = 0;
void remember_interrupt(int) { g_interrupted = 1; }
void catch_early_interrupts() {
  struct sigaction sa {};
  sa.sa_handler = remember_interrupt;  // no SA_RESTART: the blocking read sees EINTR
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}
bool interrupted_before_attach() { return g_interrupted != 0; }

Result<std::map<std::string, int>> parse_scale(const std::vector<std::string>& items) {
  std::map<std::string, int> out;
  for (const auto& item : items) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) return Error("--scale `" + item + "`: expected SERVICE=NUM");
    char* end = nullptr;
    long n = std::strtol(item.c_str() + eq + 1, &end, 10);
    if (*end || n < 0) return Error("--scale `" + item + "`: NUM must be a non-negative integer");
    out[item.substr(0, eq)] = static_cast<int>(n);
  }
  return out;
}

// Runs requests on threads so the loop keeps printing logs meanwhile; joined before
// the loop goes.
class AsyncCalls {
 public:
  explicit AsyncCalls(event::Loop& loop) : loop_(loop) {}
  ~AsyncCalls() {
    for (auto& t : threads_) t.join();
  }
  void call(state::ProjectPaths paths, control::Request request, std::function<void(Status)> done) {
    threads_.emplace_back([this, paths, request, done] {
      auto st = call_supervisor(paths, request);
      loop_.post([done, st] { done(st); });
    });
  }

 private:
  event::Loop& loop_;
  std::vector<std::thread> threads_;
};

// The foreground part: logs of the attached containers, exits and Ctrl-C.
int attach_foreground(const UpFlags& f, const ProjectRef& project, const std::vector<std::string>& attached,
                      int64_t since) {
  auto loop_or = event::make_uv_loop();
  if (!loop_or) return report(loop_or.error());
  auto& loop = **loop_or;
  app::logs::PrinterOptions printer;
  printer.color = app::logs::color_wanted(f.no_color, stdout);
  printer.timestamps = f.timestamps;
  printer.prefix = !f.no_log_prefix;
  app::logs::LogStreamer streamer(loop, printer, stdout);

  // Container events (who exited, with which code), subscribed before the states are
  // read so that no exit falls in between.
  auto events = supervisor_of(project.paths);
  if (!events) return report(events.error());
  if (auto st = events->send(control::EventsRequest{}); !st) return report(st.error());
  for (;;) {
    auto line = events->next();
    if (!line && line.error().errnum() == EINTR) continue;  // Ctrl-C: remembered, acted on below
    if (!line || !*line) return report(Error("the supervisor ended the event stream"));
    if (std::holds_alternative<control::Subscribed>(**line)) break;
  }
  auto records = state::RecordStore(project.paths.records_dir()).list();
  if (!records) return report(records.error());
  std::map<std::string, ContainerState> state_of;  // attached container -> state
  std::vector<std::string> names;
  for (const auto& r : *records)
    if (!r.oneoff && std::find(attached.begin(), attached.end(), r.service) != attached.end()) names.push_back(r.name);
  for (const auto& n : names) streamer.printer().add_name(n);
  for (const auto& r : *records) {
    if (std::find(names.begin(), names.end(), r.name) == names.end()) continue;
    state_of[r.name] = r.state;
    app::logs::ReadOptions backlog;
    backlog.since_ns = since;
    auto file = project.paths.log_file(r.name);
    if (!file) return report(file.error());
    if (auto st = streamer.add(r.name, *file, true, backlog); !st) return report(st.error());
  }

  int exit_code = 0;
  bool stopping = false, done = false;
  AsyncCalls calls(loop);
  auto finish = [&](int code) {
    exit_code = code;
    done = true;
    loop.stop();
  };
  auto stop_all = [&](int code_after) {
    if (stopping) return;
    stopping = true;
    calls.call(project.paths, control::StopRequest{{}, f.timeout}, [&, code_after](Status st) {
      if (!st) report(st.error());
      finish(code_after);
    });
  };

  auto on_event = [&](const control::ContainerEvent& e) {
    if (!state_of.count(e.name)) return;
    state_of[e.name] = e.state;
    if (e.action != "die" || e.state == ContainerState::restarting) return;
    int code = e.exit_code;
    std::fprintf(stdout, "%s exited with code %d\n", e.name.c_str(), code);
    std::fflush(stdout);
    if (!f.exit_code_from.empty() && e.service == f.exit_code_from) {
      std::fprintf(stderr, "Aborting on container exit...\n");
      return stop_all(code);
    }
    if (f.abort_on_exit || (f.abort_on_failure && code != 0)) {
      std::fprintf(stderr, "Aborting on container exit...\n");
      return stop_all(f.exit_code_from.empty() ? code : exit_code);
    }
    bool any_left = false;
    for (const auto& [n, s] : state_of)
      if (s == ContainerState::running || s == ContainerState::restarting || s == ContainerState::paused ||
          s == ContainerState::created)
        any_left = true;
    if (!any_left && !stopping) finish(0);
  };
  auto watch = loop.watch_fd(events->fd(), event::kReadable, [&](int) {
    auto line = events->next();
    if (!line && line.error().errnum() == EINTR) return;  // readable again next turn
    if (!line || !*line) {
      if (!stopping) finish(exit_code);
      return;
    }
    if (const auto* e = std::get_if<control::ContainerEvent>(&**line)) on_event(*e);
  });
  if (!watch) return report(watch.error());

  int interrupts = 0;
  auto on_interrupt = [&] {
    if (++interrupts == 1) {
      std::fprintf(stderr, "Gracefully stopping... (press Ctrl+C again to force)\n");
      stop_all(130);
    } else {
      calls.call(project.paths, control::SignalRequest{}, [&](Status) { finish(130); });
    }
  };
  auto sigint = loop.watch_signal(SIGINT, on_interrupt);
  auto sigterm = loop.watch_signal(SIGTERM, on_interrupt);
  bool any_running = false;
  for (const auto& [n, s] : state_of)
    if (s == ContainerState::running || s == ContainerState::restarting) any_running = true;
  if (!any_running && f.exit_code_from.empty()) {
    streamer.poll_all();
    return 0;
  }
  if (interrupted_before_attach()) on_interrupt();
  while (!done) loop.run();
  streamer.poll_all();
  return exit_code;
}

}  // namespace

void register_up(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* cmd = app.add_subcommand("up", "Create and start containers");
  auto f = std::make_shared<UpFlags>();
  cmd->add_flag("-d,--detach", f->detach, "Detached mode: run containers in the background");
  cmd->add_flag("--wait", f->wait, "Wait for services to be running|healthy. Implies detached mode.");
  cmd->add_option("--wait-timeout", f->wait_timeout, "Maximum duration in seconds to wait for the project to be running|healthy");
  cmd->add_flag("--force-recreate", f->options.force_recreate, "Recreate containers even if their configuration hasn't changed");
  cmd->add_flag("--no-recreate", f->options.no_recreate, "If containers already exist, don't recreate them");
  cmd->add_flag("--remove-orphans", f->options.remove_orphans, "Remove containers for services not defined in the Compose file");
  cmd->add_flag("--no-deps", f->options.no_deps, "Don't start linked services");
  cmd->add_flag("--no-start", f->options.no_start, "Don't start the services after creating them");
  cmd->add_option("--pull", f->options.pull, "Pull image before running (always|missing|never)")
      ->check(CLI::IsMember({"always", "missing", "never"}));
  cmd->add_option("--scale", f->scale, "Scale SERVICE to NUM instances (SERVICE=NUM)")->allow_extra_args(false);
  cmd->add_flag("--abort-on-container-exit", f->abort_on_exit, "Stops all containers if any container was stopped");
  cmd->add_flag("--abort-on-container-failure", f->abort_on_failure, "Stops all containers if any container exited with failure");
  cmd->add_option("--exit-code-from", f->exit_code_from, "Return the exit code of the selected service container (implies --abort-on-container-exit)");
  cmd->add_option("--attach", f->attach, "Restrict attaching to the specified services")->allow_extra_args(false);
  cmd->add_option("--no-attach", f->no_attach, "Do not attach (stream logs) to the specified services")->allow_extra_args(false);
  cmd->add_flag("--timestamps", f->timestamps, "Show timestamps");
  cmd->add_flag("--no-log-prefix", f->no_log_prefix, "Don't print prefix in logs");
  cmd->add_flag("--no-color", f->no_color, "Produce monochrome output");
  cmd->add_option("-t,--timeout", f->timeout, "Use this timeout in seconds for container shutdown");
  cmd->add_flag("--build", f->build, "Build images before starting containers");
  cmd->add_flag("--no-build", f->no_build, "Don't build an image, even if it's policy");
  cmd->add_option("services", f->services, "Services to start (default: all)");
  cmd->callback([f, &globals, &result] {
    if (f->build && f->no_build) {
      result.exit_code = report(Error("--build and --no-build are incompatible"));
      return;
    }
    if (f->detach && (f->abort_on_exit || f->abort_on_failure || !f->exit_code_from.empty())) {
      result.exit_code = report(Error("--detach cannot be combined with --abort-on-container-exit, --abort-on-container-failure or --exit-code-from"));
      return;
    }
    if (f->options.force_recreate && f->options.no_recreate) {
      result.exit_code = report(Error("--force-recreate and --no-recreate are incompatible"));
      return;
    }
    auto scale = parse_scale(f->scale);
    if (!scale) {
      result.exit_code = report(scale.error());
      return;
    }
    auto project = resolve_project(globals, f->services);
    if (!project || !project->loaded) {
      result.exit_code = report(project ? Error("no configuration file provided: not found") : project.error());
      return;
    }
    if (!f->exit_code_from.empty() && !project->loaded->project.find_service(f->exit_code_from)) {
      result.exit_code = report(Error("--exit-code-from: no such service: " + f->exit_code_from));
      return;
    }
    // Images from `build:` are built here, before the supervisor starts anything, as
    // Docker Compose builds on the client side.
    auto to_build = app::services_to_build_for_up(state_root(globals), project->loaded->project, f->services,
                                                         f->options.no_deps, f->build, f->no_build);
    // RUN steps clone into containers from this process: it runs from a sealed copy
    // (the re-executed process finds the same work and goes on from here).
    if (auto sealed = to_build.empty() ? Status{} : runtime::reexec_sealed(); !sealed) {
      result.exit_code = report(sealed.error());
      return;
    }
    if (auto st = app::build_services(state_root(globals), project->loaded->project, to_build, {}, stderr); !st) {
      result.exit_code = report(st.error());
      return;
    }
    f->options.services = f->services;
    f->options.scale = *scale;
    f->options.wait = f->wait;
    f->options.wait_timeout_s = f->wait_timeout;
    int64_t since = unix_time_ns();
    bool foreground = !(f->detach || f->wait || f->options.no_start);
    if (foreground) catch_early_interrupts();
    control::UpRequest request{source_of(globals, f->services), f->options};
    if (auto st = call_supervisor(project->paths, request); !st) {
      result.exit_code = report(st.error());
      return;
    }
    if (f->detach || f->wait || f->options.no_start) {
      result.exit_code = 0;
      return;
    }
    // Attach to the named services (all when none), minus --no-attach; --attach wins.
    std::vector<std::string> attached = f->attach;
    if (attached.empty()) {
      for (const auto& [name, service] : project->loaded->project.services)
        if (!service.disabled && (f->services.empty() || std::find(f->services.begin(), f->services.end(), name) != f->services.end()) &&
            service.attach.value_or(true) &&
            std::find(f->no_attach.begin(), f->no_attach.end(), name) == f->no_attach.end())
          attached.push_back(name);
    }
    if (!f->exit_code_from.empty()) f->abort_on_exit = true;
    result.exit_code = attach_foreground(*f, *project, attached, since);
  });
}

}  // namespace pier::cli
