// `pier wait SERVICE...`: blocks until the services' containers have stopped, prints
// each exit code (one a line, in the order they stop) and exits with the first one.
// Exits come from the supervisor's event stream, subscribed before the records are
// read so that none falls in between.
#include <cstdio>
#include <set>

#include "cli/commands.h"
#include "cli/supervisor_link.h"
#include "state/container_record.h"

namespace pier::cli {
namespace {

namespace control = supervisor::control;

struct WaitFlags {
  bool down_project = false;
  std::vector<std::string> services;
};

bool is_running(state::ContainerState s) {
  return s == state::ContainerState::running || s == state::ContainerState::restarting ||
         s == state::ContainerState::paused;
}

Status subscribe(app::ControlClient& client) {
  PIER_CHECK(client.send(control::EventsRequest{}));
  for (;;) {
    PIER_TRY(auto line, client.next());
    if (!line) return Error("the supervisor ended the event stream before subscribing");
    if (std::holds_alternative<control::Subscribed>(*line)) return {};
  }
}

// Prints one exit code; the first one printed is the command's exit code.
struct Exits {
  std::optional<int> first;
  void add(int code) {
    std::printf("%d\n", code);
    std::fflush(stdout);
    if (!first) first = code;
  }
};

Result<int> wait_for_services(const GlobalOptions& globals, const WaitFlags& f) {
  PIER_TRY(auto project, resolve_project(globals, f.services));
  if (project.loaded)
    for (const auto& name : f.services)
      if (!project.loaded->project.find_service(name)) return Error("no such service: " + name);
  PIER_TRY(auto client, supervisor_of(project.paths));
  PIER_CHECK(subscribe(client));
  PIER_TRY(auto records, state::RecordStore(project.paths.records_dir()).list());
  Exits exits;
  std::set<std::string> waiting;
  bool any = false;
  for (const auto& r : records) {
    if (r.oneoff || std::find(f.services.begin(), f.services.end(), r.service) == f.services.end()) continue;
    any = true;
    if (is_running(r.state)) waiting.insert(r.name);
    else exits.add(r.exit_code);
  }
  if (!any) return Error("no containers for project \"" + project.name + "\"").hint("start them with `pier up -d`");
  while (!waiting.empty() && !(f.down_project && exits.first)) {
    PIER_TRY(auto line, client.next());
    if (!line) return Error("the supervisor ended the event stream while containers were still running");
    const auto* e = std::get_if<control::ContainerEvent>(&*line);
    if (!e || !waiting.count(e->name) || e->action != "die" || e->state == state::ContainerState::restarting) continue;
    waiting.erase(e->name);
    exits.add(e->exit_code);
  }
  if (f.down_project) {
    control::DownRequest request;
    if (project.loaded) request.source = source_of(globals, {});
    PIER_CHECK(call_supervisor(project.paths, request));
  }
  return *exits.first;
}

}  // namespace

void register_wait(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* cmd = app.add_subcommand("wait", "Block until containers of all (or specified) services stop.");
  auto f = std::make_shared<WaitFlags>();
  cmd->add_flag("--down-project", f->down_project, "Drops project when the first container stops");
  cmd->add_option("services", f->services, "Services to wait for")->required();
  cmd->callback([f, &globals, &result] {
    auto code = wait_for_services(globals, *f);
    result.exit_code = code ? *code : report(code.error());
  });
}

}  // namespace pier::cli
