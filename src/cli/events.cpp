// `pier events`: container events of the project as they happen, until Ctrl-C.
#include <fmt/format.h>

#include <ctime>
#include <cstdio>

#include "cli/commands.h"
#include "cli/supervisor_link.h"
#include "state/container_record.h"

namespace pier::cli {
namespace {

// Go's RFC 3339 with nanoseconds, in local time, as Compose writes an event's time:
// "2026-12-06T20:41:03.120453Z" (trailing zeros of the fraction dropped).
std::string rfc3339_nano(int64_t ns) {
  std::time_t t = static_cast<std::time_t>(ns / 1000000000);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = when;
  if (int64_t frac = ns % 1000000000; frac > 0) {
    std::string digits = fmt::format("{:09d}", frac);
    while (digits.back() == '0') digits.pop_back();
    out += "." + digits;
  }
  long offset = tm.tm_gmtoff;
  if (offset == 0) return out + "Z";
  char sign = offset < 0 ? '-' : '+';
  offset = offset < 0 ? -offset : offset;
  return out + fmt::format("{}{:02d}:{:02d}", sign, offset / 3600, offset / 60 % 60);
}

// Compose's `events --json` line: time, type, service, id, action and the container's
// attributes as Docker reports them, less Compose's own labels: its name, image and
// labels (from its record), the exit code of a `die`. pier adds `timeNano` (Docker's
// own events have it) and the state it knows: name, state, health, exit_code, oneoff.
nlohmann::json event_json(const supervisor::control::ContainerEvent& e, const state::RecordStore& records) {
  nlohmann::json attributes = {{"name", e.name}};
  if (auto record = records.read(e.name)) {
    attributes["image"] = record->image;
    for (const auto& [key, value] : record->labels)
      if (!key.starts_with("com.docker.compose.")) attributes[key] = value;
  }
  if (e.action == "die") attributes["exitCode"] = std::to_string(e.exit_code);
  return {{"time", rfc3339_nano(e.time_ns)}, {"timeNano", e.time_ns}, {"type", "container"},
          {"service", e.service}, {"id", e.id}, {"action", e.action}, {"attributes", attributes},
          {"name", e.name}, {"state", state::to_string(e.state)}, {"health", e.health},
          {"exit_code", e.exit_code}, {"oneoff", e.oneoff}};
}

}  // namespace

void register_events(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* cmd = app.add_subcommand("events", "Receive real time events from containers");
  auto json = std::make_shared<bool>(false);
  auto services = std::make_shared<std::vector<std::string>>();
  cmd->add_flag("--json", *json, "Output events as a stream of json objects");
  cmd->add_option("services", *services, "Services (default: all)");
  cmd->callback([json, services, &globals, &result] {
    auto project = resolve_project(globals, *services);
    if (!project) {
      result.exit_code = report(project.error());
      return;
    }
    auto client = supervisor_of(project->paths);
    if (!client) {
      result.exit_code = report(client.error());
      return;
    }
    if (auto st = client->send(supervisor::control::EventsRequest{}); !st) {
      result.exit_code = report(st.error());
      return;
    }
    for (;;) {
      auto line = client->next();
      if (!line || !*line) break;
      const auto* e = std::get_if<supervisor::control::ContainerEvent>(&**line);
      if (!e) continue;  // the subscription's own first line
      if (!services->empty() && std::find(services->begin(), services->end(), e->service) == services->end())
        continue;
      if (*json) {
        auto line = event_json(*e, state::RecordStore(project->paths.records_dir()));
        std::printf("%s\n", line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
      } else {
        int64_t ns = e->time_ns;
        std::time_t t = static_cast<std::time_t>(ns / 1000000000);
        std::tm tm{};
        ::localtime_r(&t, &tm);
        char when[64];
        std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
        std::printf("%s.%06ld container %s %s (name=%s, service=%s)\n", when, static_cast<long>(ns % 1000000000 / 1000),
                    e->action.c_str(), e->id.c_str(), e->name.c_str(), e->service.c_str());
      }
      std::fflush(stdout);
    }
    result.exit_code = 0;
  });
}

}  // namespace pier::cli
