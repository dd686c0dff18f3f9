// pier as a Docker CLI plugin (`docker compose ...` runs pier): Docker finds
// ~/.docker/cli-plugins/docker-compose, asks it `docker-cli-plugin-metadata` for a JSON
// description, then runs it as `docker-compose compose ARGS...` with
// DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND set (docs/getting-started.md has the recipe).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace pier::cli {

// The metadata Docker expects from a plugin, when argv asks for it; else nothing.
std::optional<std::string> plugin_metadata(int argc, const char* const* argv);

// argv without the plugin's own name (`compose`) when Docker runs pier as a plugin, so
// `docker compose up -d` reads as `pier up -d`; argv as given otherwise.
std::vector<const char*> plugin_argv(int argc, const char* const* argv);

}  // namespace pier::cli
