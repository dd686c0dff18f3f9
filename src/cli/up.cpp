// `pier up`: the supervisor applies the project; in the foreground the CLI then shows
// the logs of the attached services and stops everything on Ctrl-C, as Docker Compose.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "app/dry_run/dry_up.h"
#include "app/dry_run/simulate.h"
#include "app/service_build.h"
#include "app/terminal.h"
#include "app/up_attach.h"
#include "app/watch/watcher.h"
#include "base/clock.h"
#include "cli/commands.h"
#include "cli/scale_spec.h"
#include "cli/supervisor_link.h"
#include "graph/from_project.h"
#include "supervisor/control/protocol.h"

namespace pier::cli {
namespace {

namespace control = supervisor::control;

struct UpFlags {
  bool detach = false, wait = false, abort_on_exit = false, abort_on_failure = false;
  bool timestamps = false, no_log_prefix = false, no_color = false, build = false, no_build = false;
  bool attach_dependencies = false, watch = false;
  int wait_timeout = 0;
  std::optional<int> timeout;
  std::string exit_code_from;
  std::vector<std::string> attach, no_attach, scale, services;
  supervisor::control::UpOptions options;
};

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
  // Accepted, changing nothing: pier never carries anonymous volumes over to a new container.
  cmd->add_flag("-V,--renew-anon-volumes")
      ->description("Recreate anonymous volumes instead of retrieving data from the previous containers (pier always "
                    "does: a recreated container gets new anonymous volumes)");
  cmd->add_flag("--always-recreate-deps", f->options.always_recreate_deps,
                "Recreate dependent containers. Incompatible with --no-recreate.");
  cmd->add_flag("--attach-dependencies", f->attach_dependencies, "Automatically attach to log output of dependent services");
  cmd->add_flag("--quiet-pull", f->options.quiet_pull, "Pull without printing progress information");
  cmd->add_flag("-w,--watch", f->watch,
                "Watch source code and rebuild/refresh containers when files are updated (develop.watch)");
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
    if (f->options.always_recreate_deps && f->options.no_recreate) {
      result.exit_code = report(Error("--always-recreate-deps and --no-recreate are incompatible"));
      return;
    }
    if (f->watch && (f->detach || f->wait || f->options.no_start)) {
      result.exit_code = report(Error("--watch cannot be combined with --detach, --wait or --no-start"));
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
    // --watch: the rules are checked before anything starts.
    std::vector<app::watch::Rule> rules;
    if (f->watch) {
      auto read = app::watch::watch_rules(project->loaded->project, f->services);
      if (!read) {
        result.exit_code = report(read.error());
        return;
      }
      rules = std::move(*read);
    }
    // Images from `build:` are built here, before the supervisor starts anything, as
    // Docker Compose builds on the client side. A dry run only says which.
    bool dry = app::terminal().dry_run;
    std::set<std::string> built;
    if (dry)
      built = app::dry_run::announce_builds(state_root(globals), project->loaded->project, f->services,
                                            f->options.no_deps, f->build, f->no_build);
    else if (auto st = app::build_before_start(state_root(globals), project->loaded->project, f->services,
                                               f->options.no_deps, f->build, f->no_build);
             !st) {
      result.exit_code = report(st.error());
      return;
    }
    f->options.services = f->services;
    f->options.scale = *scale;
    f->options.wait = f->wait;
    f->options.wait_timeout_s = f->wait_timeout;
    int64_t since = unix_time_ns();
    bool foreground = !(f->detach || f->wait || f->options.no_start);
    if (foreground) app::catch_early_interrupts();
    // Compose reads these two on every up (docs/compat.md).
    f->options.remove_orphans |= app::env_flag("COMPOSE_REMOVE_ORPHANS");
    f->options.ignore_orphans = app::env_flag("COMPOSE_IGNORE_ORPHANS");
    control::UpRequest request{source_of(globals, f->services), f->options};
    std::optional<app::ControlClient> events;
    if (foreground && !dry) {
      auto subscribed = app::subscribe_to_events(project->paths);
      if (!subscribed) {
        result.exit_code = report(subscribed.error());
        return;
      }
      events = std::move(*subscribed);
    }
    if (auto st = dry ? app::dry_run::simulate(project->paths, request, built) : call_supervisor(project->paths, request);
        !st) {
      result.exit_code = report(st.error());
      return;
    }
    // A dry run started nothing to attach to.
    if (dry || f->detach || f->wait || f->options.no_start) {
      result.exit_code = 0;
      return;
    }
    // Attach to the named services (all when none), with --attach-dependencies their
    // dependencies too, minus --no-attach; --attach wins.
    std::vector<std::string> attached = f->attach;
    if (attached.empty()) {
      std::set<std::string> named(f->services.begin(), f->services.end());
      if (f->attach_dependencies && !f->services.empty())
        if (auto deps = graph::from_project(project->loaded->project); deps.ok()) named = deps->with_dependencies(f->services);
      for (const auto& [name, service] : project->loaded->project.services)
        if (!service.disabled && (f->services.empty() || named.count(name)) && service.attach.value_or(true) &&
            std::find(f->no_attach.begin(), f->no_attach.end(), name) == f->no_attach.end())
          attached.push_back(name);
    }
    if (!f->exit_code_from.empty()) f->abort_on_exit = true;
    app::AttachOptions attach;
    attach.abort_on_exit = f->abort_on_exit;
    attach.abort_on_failure = f->abort_on_failure;
    attach.exit_code_from = f->exit_code_from;
    attach.timeout = f->timeout;
    attach.services = f->services;
    if (attach.services.empty())
      for (const auto& [name, service] : project->loaded->project.services)
        if (!service.disabled) attach.services.push_back(name);
    attach.timestamps = f->timestamps;
    attach.no_log_prefix = f->no_log_prefix;
    attach.no_color = f->no_color;
    // --watch: the develop.watch rules on a loop of their own, beside the logs' loop, for
    // as long as the foreground lasts.
    std::atomic<bool> stop_watch{false};
    std::thread watcher;
    if (f->watch) {
      app::watch::WatchSession session{state_root(globals), project->paths, &project->loaded->project,
                                       source_of(globals, f->services), false, false, &stop_watch};
      watcher = std::thread([session, &rules] {
        if (auto st = app::watch::run_watch(session, rules); !st) report(st.error());
      });
    }
    auto code = app::attach_foreground(attach, project->paths, attached, since, std::move(*events));
    stop_watch = true;
    if (watcher.joinable()) watcher.join();
    result.exit_code = code ? *code : report(code.error());
  });
}

}  // namespace pier::cli
