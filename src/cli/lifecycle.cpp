// Commands that change containers through the supervisor: down, start, stop, restart,
// kill, pause, unpause, rm, create. Each is safe to run twice.
#include <algorithm>
#include <cstdio>
#include <set>

#include "app/dry_run/dry_up.h"
#include "app/dry_run/simulate.h"
#include "app/prompt.h"
#include "app/service_build.h"
#include "app/supervisor_connect.h"
#include "app/terminal.h"
#include "cli/commands.h"
#include "cli/scale_spec.h"
#include "cli/supervisor_link.h"
#include "state/container_record.h"

namespace pier::cli {
namespace {

namespace control = supervisor::control;

// The services named on the command line go into the requests that select by service.
void target(control::Request& request, const std::vector<std::string>& services) {
  std::visit([&](auto& r) {
    if constexpr (requires { r.services; }) r.services = services;
  }, request);
}

// The services an empty list means to `start`, `stop` and `restart`: those of the
// compose files given (as Compose), so containers of services outside them are left
// alone. Without a compose file, every service of the project.
enum class Scope { all_containers, file_services };

// Runs `request` for the project; with `needs_containers`, a project with nothing to
// act on is a no-op rather than a new supervisor.
int run_on_project(const GlobalOptions& globals, const std::vector<std::string>& services, control::Request request,
                   bool needs_containers = true, Scope scope = Scope::all_containers) {
  auto project = resolve_project(globals, services);
  if (!project) return report(project.error());
  if (auto st = check_services(*project, services); !st) return report(st.error());
  if (needs_containers) {
    // A record that does not parse still has a container behind it for `down` to remove.
    auto records = state::RecordStore(project->paths.records_dir()).scan();
    if (!records) return report(records.error());
    if (records->records.empty() && records->unreadable.empty() && !app::connect_if_running(project->paths))
      return 0;
  }
  std::vector<std::string> selected = services;
  if (selected.empty() && scope == Scope::file_services && project->loaded)
    for (const auto& [name, service] : project->loaded->project.services)
      if (!service.disabled) selected.push_back(name);
  target(request, selected);
  if (auto* down = std::get_if<control::DownRequest>(&request); down && project->loaded)
    down->source = source_of(globals, services);
  if (auto st = call_supervisor(project->paths, request); !st) return report(st.error());
  return 0;
}

}  // namespace

void register_lifecycle(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  {
    auto* cmd = app.add_subcommand("down", "Stop and remove containers, networks");
    struct Flags {
      bool volumes = false, remove_orphans = false;
      std::string rmi;
      std::optional<int> timeout;
      std::vector<std::string> services;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_option("services", f->services,
                    "Services to remove, with those that depend on them (default: all); the networks go when no "
                    "container is left");
    cmd->add_flag("-v,--volumes", f->volumes, "Remove named volumes declared in the \"volumes\" section of the Compose file");
    cmd->add_flag("--remove-orphans", f->remove_orphans, "Remove containers for services not defined in the Compose file");
    cmd->add_option("--rmi", f->rmi, "Remove images used by services: \"local\" (no custom tag) or \"all\"")
        ->check(CLI::IsMember({"local", "all"}));
    cmd->add_option("-t,--timeout", f->timeout, "Specify a shutdown timeout in seconds");
    cmd->callback([f, &globals, &result] {
      bool remove_orphans = f->remove_orphans || app::env_flag("COMPOSE_REMOVE_ORPHANS");
      control::DownRequest request{std::nullopt, {}, f->volumes, remove_orphans, f->rmi, f->timeout};
      // down always runs: it also removes what a crashed run left (bridges, nft).
      result.exit_code = run_on_project(globals, f->services, request, false);
    });
  }
  struct Simple {
    const char* name;
    const char* help;
    bool timeout;
  };
  for (Simple s : {Simple{"start", "Start services", false}, Simple{"stop", "Stop services", true},
                   Simple{"restart", "Restart service containers", true}, Simple{"pause", "Pause services", false},
                   Simple{"unpause", "Unpause services", false}}) {
    auto* cmd = app.add_subcommand(s.name, s.help);
    auto services = std::make_shared<std::vector<std::string>>();
    auto timeout = std::make_shared<std::optional<int>>();
    auto no_deps = std::make_shared<bool>(false);
    if (s.timeout) cmd->add_option("-t,--timeout", *timeout, "Specify a shutdown timeout in seconds");
    std::string verb = s.name;
    if (verb == "restart")
      cmd->add_flag("--no-deps", *no_deps,
                    "Don't restart dependent services (those with `depends_on: {SERVICE: {restart: true}}`)");
    cmd->add_option("services", *services, "Services (default: all)");
    cmd->callback([services, timeout, no_deps, verb, &globals, &result] {
      using Kind = control::SignalRequest::Kind;
      control::Request request = verb == "start"  ? control::Request(control::StartRequest{})
                               : verb == "stop"   ? control::Request(control::StopRequest{{}, *timeout})
                               : verb == "restart" ? control::Request(control::RestartRequest{{}, *timeout, *no_deps})
                               : control::Request(control::SignalRequest{verb == "pause" ? Kind::pause : Kind::unpause});
      bool file_scoped = verb == "start" || verb == "stop" || verb == "restart";
      result.exit_code = run_on_project(globals, *services, std::move(request), true,
                                        file_scoped ? Scope::file_services : Scope::all_containers);
    });
  }
  {
    auto* cmd = app.add_subcommand("kill", "Force stop service containers");
    auto services = std::make_shared<std::vector<std::string>>();
    auto signal = std::make_shared<std::string>("SIGKILL");
    auto orphans = std::make_shared<bool>(false);
    cmd->add_option("-s,--signal", *signal, "SIGNAL to send to the container");
    cmd->add_flag("--remove-orphans", *orphans, "Remove containers for services not defined in the Compose file");
    cmd->add_option("services", *services, "Services (default: all)");
    cmd->callback([services, signal, &globals, &result] {
      control::SignalRequest request;
      request.signal = *signal;
      result.exit_code = run_on_project(globals, *services, request);
    });
  }
  {
    auto* cmd = app.add_subcommand("rm", "Removes stopped service containers");
    auto services = std::make_shared<std::vector<std::string>>();
    auto force = std::make_shared<bool>(false), stop = std::make_shared<bool>(false), volumes = std::make_shared<bool>(false);
    cmd->add_flag("-f,--force", *force, "Don't ask to confirm removal");
    cmd->add_flag("-s,--stop", *stop, "Stop the containers, if required, before removing");
    cmd->add_flag("-v,--volumes", *volumes, "Remove any anonymous volumes attached to containers");
    cmd->add_option("services", *services, "Services (default: all)");
    cmd->callback([services, stop, force, &globals, &result] {
      auto project = resolve_project(globals, *services);
      if (!project) {
        result.exit_code = report(project.error());
        return;
      }
      if (auto st = check_services(*project, *services); !st) {
        result.exit_code = report(st.error());
        return;
      }
      // A dry run reads the records as they are: adopting them would start a supervisor.
      auto records = app::terminal().dry_run ? state::RecordStore(project->paths.records_dir()).list()
                                             : current_records(project->paths);
      if (!records) {
        result.exit_code = report(records.error());
        return;
      }
      // What the supervisor will remove: the services' stopped containers, and with -s
      // the running ones too (stopped first). One-offs are `run`'s, as in Compose.
      std::vector<std::string> names;
      for (const auto& r : *records) {
        if (r.oneoff) continue;
        if (!services->empty() && std::find(services->begin(), services->end(), r.service) == services->end()) continue;
        bool stopped = r.state == state::ContainerState::created || r.state == state::ContainerState::exited ||
                       r.state == state::ContainerState::dead;
        if (stopped || *stop) names.push_back(r.name);
      }
      if (names.empty()) {
        std::fputs("No stopped containers\n", stderr);
        result.exit_code = 0;
        return;
      }
      std::string message = "Going to remove ";
      for (size_t i = 0; i < names.size(); ++i) message += (i ? ", " : "") + names[i];
      if (*force) std::printf("%s\n", message.c_str());
      else if (!app::confirm(message)) {
        result.exit_code = 0;
        return;
      }
      control::RemoveRequest request;
      request.stop = *stop;
      result.exit_code = run_on_project(globals, *services, request);
    });
  }
  {
    auto* cmd = app.add_subcommand("create", "Creates containers for a service");
    struct Flags {
      bool force_recreate = false, no_recreate = false, remove_orphans = false, build = false, no_build = false;
      bool quiet_pull = false;
      std::string pull;
      std::vector<std::string> services, scale;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_flag("--force-recreate", f->force_recreate, "Recreate containers even if their configuration hasn't changed");
    cmd->add_flag("--no-recreate", f->no_recreate, "If containers already exist, don't recreate them");
    cmd->add_flag("--remove-orphans", f->remove_orphans, "Remove containers for services not defined in the Compose file");
    cmd->add_option("--pull", f->pull, "Pull image before running (always|missing|never)")
        ->check(CLI::IsMember({"always", "missing", "never"}));
    cmd->add_flag("--build", f->build, "Build images before starting containers");
    cmd->add_flag("--no-build", f->no_build, "Don't build an image, even if it's policy");
    cmd->add_flag("--quiet-pull", f->quiet_pull, "Pull without printing progress information");
    cmd->add_option("--scale", f->scale, "Scale SERVICE to NUM instances (SERVICE=NUM)")->allow_extra_args(false);
    cmd->add_option("services", f->services, "Services (default: all)");
    cmd->callback([f, &globals, &result] {
      if (f->build && f->no_build) {
        result.exit_code = report(Error("--build and --no-build are incompatible"));
        return;
      }
      if (f->force_recreate && f->no_recreate) {
        result.exit_code = report(Error("--force-recreate and --no-recreate are incompatible"));
        return;
      }
      auto scale = parse_scale(f->scale);
      if (!scale) {
        result.exit_code = report(scale.error());
        return;
      }
      control::UpOptions options;
      options.scale = *scale;
      options.quiet_pull = f->quiet_pull;
      options.services = f->services;
      options.force_recreate = f->force_recreate;
      options.no_recreate = f->no_recreate;
      options.remove_orphans = f->remove_orphans || app::env_flag("COMPOSE_REMOVE_ORPHANS");
      options.ignore_orphans = app::env_flag("COMPOSE_IGNORE_ORPHANS");
      options.no_start = true;
      options.pull = f->pull;
      auto project = resolve_project(globals, f->services);
      if (!project || !project->loaded) {
        result.exit_code = report(project ? Error("no configuration file provided: not found") : project.error());
        return;
      }
      // Built here, as `up` builds: on the client side, before the supervisor creates.
      bool dry = app::terminal().dry_run;
      std::set<std::string> built;
      if (dry)
        built = app::dry_run::announce_builds(state_root(globals), project->loaded->project, f->services, false,
                                              f->build, f->no_build);
      else if (auto st = app::build_before_start(state_root(globals), project->loaded->project, f->services, false,
                                                 f->build, f->no_build);
               !st) {
        result.exit_code = report(st.error());
        return;
      }
      control::UpRequest request{source_of(globals, f->services), options};
      if (auto st = dry ? app::dry_run::simulate(project->paths, request, built) : call_supervisor(project->paths, request);
          !st) {
        result.exit_code = report(st.error());
        return;
      }
      result.exit_code = 0;
    });
  }
}

}  // namespace pier::cli
