#include "cli/plugin.h"

#include <cstdlib>
#include <cstring>

#include <nlohmann/json.hpp>

#include "cli/version_info.h"

namespace pier::cli {

std::optional<std::string> plugin_metadata(int argc, const char* const* argv) {
  if (argc != 2 || std::strcmp(argv[1], "docker-cli-plugin-metadata") != 0) return std::nullopt;
  // Schema 0.1.0 is the one every Docker CLI since 19.03 reads.
  nlohmann::ordered_json meta = {{"SchemaVersion", "0.1.0"},
                                 {"Vendor", "pier"},
                                 {"Version", "v" PIER_COMPOSE_VERSION "-pier." PIER_VERSION},
                                 {"ShortDescription", "Docker Compose (pier, no daemon)"},
                                 {"URL", "https://github.com/docker/compose"}};
  return meta.dump(1, '\t');
}

std::vector<const char*> plugin_argv(int argc, const char* const* argv) {
  std::vector<const char*> out(argv, argv + argc);
  // Docker names the plugin as the first word; only a run from Docker drops it, so a
  // plain `pier compose` still says that `compose` is not a command.
  if (argc > 1 && std::strcmp(argv[1], "compose") == 0 && std::getenv("DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND"))
    out.erase(out.begin() + 1);
  return out;
}

}  // namespace pier::cli
