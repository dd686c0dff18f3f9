// `pier __supervise PROJECT`: the supervisor process (started by other commands, not
// by users; hidden from help).
#include "cli/commands.h"
#include "cli/project.h"
#include "runtime/security/sealed_exe.h"
#include "state/paths.h"
#include "supervisor/daemon.h"

namespace pier::cli {

void register_supervise(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* cmd = app.add_subcommand("__supervise", "");
  cmd->group("");  // hidden
  auto project = std::make_shared<std::string>();
  cmd->add_option("project", *project)->required();
  cmd->callback([project, &globals, &result] {
    // connect_or_start executes the supervisor from a sealed copy already; one started
    // any other way gets there here.
    if (auto sealed = runtime::reexec_sealed(); !sealed) {
      result.exit_code = report(sealed.error());
      return;
    }
    auto paths = state::project_paths(state_root(globals), *project);
    result.exit_code = paths ? supervisor::run_supervisor(*paths) : report(paths.error());
  });
}

}  // namespace pier::cli
