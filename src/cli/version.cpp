#include <cstdio>

#include "cli/commands.h"
#include "cli/version_info.h"

namespace pier::cli {

void register_version(CLI::App& app, CommandResult& result) {
  auto* cmd = app.add_subcommand("version", "Show the pier version");
  auto short_flag = std::make_shared<bool>(false);
  auto format = std::make_shared<std::string>("pretty");
  cmd->add_flag("--short", *short_flag, "Print only the version number");
  cmd->add_option("-f,--format", *format, "Output format: pretty or json")
      ->check(CLI::IsMember({"pretty", "json"}));
  cmd->callback([short_flag, format, &result] {
    if (*short_flag)
      std::printf("%s\n", PIER_VERSION);
    else if (*format == "json")
      std::printf("{\"version\":\"%s\"}\n", PIER_VERSION);
    else
      std::printf("pier version %s\n", PIER_VERSION);
    result.exit_code = 0;
  });
}

}  // namespace pier::cli
