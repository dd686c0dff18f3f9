// Stand-in for the lead's cli/commands.h (same shape), so the image tests can
// build `pier image ...` without the rest of the CLI.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <string>

namespace pier::cli {

struct GlobalOptions {
  std::string root;
};
inline std::string state_root(const GlobalOptions& o) {
  if (!o.root.empty()) return o.root;
  const char* env = std::getenv("PIER_ROOT");
  return env && *env ? env : "/var/lib/pier";
}
struct CommandResult {
  int exit_code = 0;
};

void register_image(CLI::App& app, const GlobalOptions& globals, CommandResult& result);

}  // namespace pier::cli
