// `pier version`: pier's version and the Docker Compose release it matches.
#include <cstdio>

#include "app/format/listing.h"
#include "cli/commands.h"
#include "cli/project.h"
#include "cli/version_info.h"

namespace pier::cli {

void register_version(CLI::App& app, CommandResult& result) {
  auto* cmd = app.add_subcommand("version", "Show the pier version");
  auto short_flag = std::make_shared<bool>(false);
  auto format = std::make_shared<std::string>("pretty");
  cmd->add_flag("--short", *short_flag, "Print only the version number");
  cmd->add_option("-f,--format", *format, "Format the output: pretty, json or a Go template ('{{.compose}}')");
  cmd->callback([short_flag, format, &result] {
    result.exit_code = 0;
    if (*short_flag) {
      std::printf("%s\n", PIER_VERSION);
      return;
    }
    if (*format == "pretty" || *format == "table" || format->empty()) {
      std::printf("pier version %s (Docker Compose v%s compatible)\n", PIER_VERSION, PIER_COMPOSE_VERSION);
      return;
    }
    // `json` and templates see one object: Compose's `version` key, and `compose` for
    // the Compose release this pier matches.
    static const app::format::Listing listing{{{"version", "VERSION"}, {"compose", "COMPOSE"}}, "", 20, false};
    nlohmann::json row = {{"version", PIER_VERSION}, {"compose", "v" PIER_COMPOSE_VERSION}};
    if (auto st = app::format::print_listing(*format, {row}, listing, stdout); !st) result.exit_code = report(st.error());
  });
}

}  // namespace pier::cli
