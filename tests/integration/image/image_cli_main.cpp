// `pier-image-cli`: the image commands of the CLI alone, for the image tests and
// scripts/seed-busybox.sh before the full CLI is wired (same flags as `pier`).
#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  using namespace pier::cli;
  CLI::App app{"pier image commands"};
  GlobalOptions globals;
  CommandResult result;
  app.add_option("--root", globals.root, "pier's data directory");
  app.require_subcommand(1);
  register_image(app, globals, result);
  CLI11_PARSE(app, argc, argv);
  return result.exit_code;
}
