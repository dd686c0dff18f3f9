// `pier logs [SERVICE...]`: flags as Docker Compose names them; the work is
// app/logs/project_logs.h, which reads the project's files (no supervisor needed).
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <tuple>

#include "app/logs/project_logs.h"
#include "app/terminal.h"
#include "cli/commands.h"
#include "cli/project.h"
#include "cli/supervisor_link.h"

namespace pier::cli {
namespace {

namespace logs = app::logs;

struct LogsFlags {
  std::vector<std::string> services;
  bool follow = false;
  std::string tail = "all";
  std::string since;
  std::string until;
  bool timestamps = false;
  bool no_prefix = false;
  bool no_color = false;
  int index = 0;
};

// "all" (or a negative number, as Docker reads it) is every entry.
Result<std::optional<size_t>> parse_tail(const std::string& text) {
  if (text == "all") return std::optional<size_t>();
  try {
    size_t used = 0;
    long long n = std::stoll(text, &used);
    if (used == text.size()) return n < 0 ? std::optional<size_t>() : std::optional<size_t>(n);
  } catch (const std::exception&) {
  }
  return Error("invalid --tail value `" + text + "`").hint("use a number of lines or `all`");
}

Result<logs::ProjectLogsOptions> build_options(const GlobalOptions& globals, const LogsFlags& f) {
  if (f.index < 0) return Error("--index must be 1 or more");
  if (f.index > 0 && f.services.size() != 1)
    return Error("--index needs exactly one service").hint("pier logs --index N SERVICE");
  // The compose file gives the project's name and rejects unknown services; without
  // one, -p alone names the project (as `ps` and `down` accept).
  PIER_TRY(ProjectRef project, resolve_project(globals, f.services));
  PIER_CHECK(check_services(project, f.services));
  logs::ProjectLogsOptions o;
  o.root = state_root(globals);
  o.project = project.name;
  o.services = f.services;
  o.index = f.index;
  o.follow = f.follow;
  PIER_TRY(o.read.tail, parse_tail(f.tail));
  int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  for (auto [flag, text, out] : {std::tuple{"--since", &f.since, &o.read.since_ns},
                                  std::tuple{"--until", &f.until, &o.read.until_ns}}) {
    if (text->empty()) continue;
    auto t = logs::parse_log_time(*text, now);
    if (!t) return std::move(t).error().context(flag);
    *out = *t;
  }
  o.printer.color = app::color_wanted(stdout, f.no_color);
  o.printer.prefix = !f.no_prefix;
  o.printer.timestamps = f.timestamps;
  return o;
}

}  // namespace

void register_logs(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto flags = std::make_shared<LogsFlags>();
  auto* cmd = app.add_subcommand("logs", "View output from containers");
  cmd->add_option("services", flags->services, "Only these services' containers")->type_name("SERVICE");
  cmd->add_flag("-f,--follow", flags->follow, "Follow log output");
  cmd->add_option("-n,--tail", flags->tail,
                  "Number of lines to show from the end of the logs for each container (default all)")
      ->type_name("N");
  cmd->add_option("--since", flags->since,
                  "Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)")
      ->type_name("TIME");
  cmd->add_option("--until", flags->until,
                  "Show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)")
      ->type_name("TIME");
  cmd->add_flag("-t,--timestamps", flags->timestamps, "Show timestamps");
  cmd->add_flag("--no-log-prefix", flags->no_prefix, "Don't print prefix in logs");
  cmd->add_flag("--no-color", flags->no_color, "Produce monochrome output");
  cmd->add_option("--index", flags->index, "Index of the container if the service has multiple replicas")
      ->type_name("N");
  cmd->callback([flags, &globals, &result] {
    auto options = build_options(globals, *flags);
    if (!options) {
      result.exit_code = report(options.error());
      return;
    }
    auto code = logs::print_project_logs(*options, stdout, stderr);
    result.exit_code = code ? *code : report(code.error());
  });
}

}  // namespace pier::cli
