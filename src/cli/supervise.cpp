// `pier __supervise PROJECT`: the supervisor process (started by other commands, not
// by users; hidden from help), when pier-supervisor is not installed beside pier.
#include "cli/commands.h"
#include "cli/project.h"
#include "supervisor/daemon.h"

namespace pier::cli {

void register_supervise(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* cmd = app.add_subcommand("__supervise", "");
  cmd->group("");  // hidden
  auto project = std::make_shared<std::string>();
  cmd->add_option("project", *project)->required();
  cmd->callback([project, &globals, &result] { result.exit_code = supervisor::supervise(state_root(globals), *project); });
}

}  // namespace pier::cli
