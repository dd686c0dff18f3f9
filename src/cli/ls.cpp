// `pier ls`: projects with state under the root, as `docker compose ls`.
#include <cstdio>
#include <map>
#include <regex>

#include "app/format/listing.h"
#include "base/atomic_file.h"
#include "cli/commands.h"
#include "cli/project.h"
#include "cli/table.h"
#include "state/container_record.h"
#include "state/paths.h"
#include "supervisor/project_source.h"

namespace pier::cli {
namespace {

// `--filter name=X`, as Docker reads filters: KEY=VALUE, `name` the only key `ls` takes.
Result<std::vector<std::string>> name_filters(const std::vector<std::string>& filters) {
  std::vector<std::string> out;
  for (const auto& filter : filters) {
    auto eq = filter.find('=');
    if (eq == std::string::npos) return Error("--filter `" + filter + "`: bad format of filter (expected name=value)");
    if (filter.substr(0, eq) != "name") return Error("--filter `" + filter + "`: invalid filter '" + filter.substr(0, eq) + "' (ls filters by name only)");
    out.push_back(filter.substr(eq + 1));
  }
  return out;
}

// A project matches a name filter equal to its name or, as in Docker, one that is a
// regular expression found in it (`--filter name=web` lists `myweb-dev`); a value that
// is no valid expression matches only exactly.
bool matches_any(const std::vector<std::string>& patterns, const std::string& name) {
  for (const auto& pattern : patterns) {
    if (pattern == name) return true;
    try {
      if (std::regex_search(name, std::regex(pattern))) return true;
    } catch (const std::regex_error&) {
    }
  }
  return false;
}

}  // namespace

void register_ls(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* cmd = app.add_subcommand("ls", "List running compose projects");
  auto all = std::make_shared<bool>(false), quiet = std::make_shared<bool>(false);
  auto format = std::make_shared<std::string>("table");
  cmd->add_flag("-a,--all", *all, "Show all stopped Compose projects");
  cmd->add_flag("-q,--quiet", *quiet, "Only display project names");
  cmd->add_option("--format", *format, "Format the output: table, json or a Go template ('{{.Name}}')");
  auto filters = std::make_shared<std::vector<std::string>>();
  cmd->add_option("--filter", *filters, "Filter output based on conditions provided (name=REGEX)")
      ->allow_extra_args(false);
  cmd->callback([all, quiet, format, filters, &globals, &result] {
    if (auto st = app::format::check_format(*format); !st) {
      result.exit_code = report(st.error());
      return;
    }
    auto names = name_filters(*filters);
    if (!names) {
      result.exit_code = report(names.error());
      return;
    }
    std::string root = state_root(globals);
    Table table({"NAME", "STATUS", "CONFIG FILES"});
    table.set_min_width(20);  // Compose's own tables: tabwriter minwidth 20
    std::vector<nlohmann::json> rows;
    for (const auto& name : state::list_projects(state::run_base(root))) {
      if (!names->empty() && !matches_any(*names, name)) continue;
      auto paths = state::project_paths(root, name);
      if (!paths) continue;  // not a directory pier made: list_projects saw it on disk
      auto records = state::RecordStore(paths->records_dir()).list();
      if (!records || records->empty()) continue;
      std::map<std::string, int> counts;
      bool running = false;
      for (const auto& r : *records) {
        counts[state::to_string(r.state)]++;
        running |= r.state == state::ContainerState::running;
      }
      if (!running && !*all) continue;
      std::string status;
      for (const auto& [s, n] : counts) status += (status.empty() ? "" : ", ") + s + "(" + std::to_string(n) + ")";
      std::string files;
      if (auto text = read_file(paths->project_source_file()); text.ok()) {
        auto j = nlohmann::json::parse(*text, nullptr, false);
        if (auto source = supervisor::source_from_json(j); !j.is_discarded() && source.ok())
          for (const auto& f : source->load.files) files += (files.empty() ? "" : ",") + f;
      }
      // -q prints the names whatever --format says, as Compose does.
      if (*quiet) std::printf("%s\n", name.c_str());
      table.add({name, status, files});
      rows.push_back({{"Name", name}, {"Status", status}, {"ConfigFiles", files}});
    }
    result.exit_code = 0;
    if (*quiet) return;
    if (format->empty() || *format == "table" || *format == "pretty") {
      table.print(stdout);
      return;
    }
    static const app::format::Listing listing{
        {{"Name", "NAME"}, {"Status", "STATUS"}, {"ConfigFiles", "CONFIG FILES"}}, "", 20, true};
    if (auto st = app::format::print_listing(*format, rows, listing, stdout); !st)
      result.exit_code = report(st.error());
  });
}

}  // namespace pier::cli
