// `pier logout [SERVER]`: forgets the credentials `pier login` (or `docker login`)
// stored for a registry.
#include <cstdio>

#include "app/images/registry_login.h"
#include "cli/commands.h"
#include "cli/project.h"

namespace pier::cli {

void register_logout(CLI::App& app, CommandResult& result) {
  auto* cmd = app.add_subcommand("logout", "Log out from a registry");
  auto server = std::make_shared<std::string>();
  cmd->add_option("server", *server, "Registry host[:port] (default: Docker Hub)");
  cmd->callback([server, &result] {
    auto host = app::images::registry_of(*server);
    if (!host) {
      result.exit_code = report(host.error());
      return;
    }
    auto removed = app::images::logout(*server);
    if (!removed) {
      result.exit_code = report(removed.error());
      return;
    }
    // Docker says so and succeeds when there was nothing to remove.
    if (!*removed) std::printf("Not logged in to %s\n", host->c_str());
    else std::printf("Removing login credentials for %s\n", host->c_str());
    result.exit_code = 0;
  });
}

}  // namespace pier::cli
