// What an included project takes from its own environment (its `env_file`, else the .env
// of its project directory, under the including project's) besides interpolation, as
// compose-go resolves each included file with the environment it was loaded with.
#pragma once

#include <map>
#include <string>

#include "compose/environment.h"
#include "compose/node.h"

namespace pier::compose {

// Keys of services' `environment` written without a value (`- KEY`, `KEY:`) take their
// value from `env` when it has one; the others are left for the project's environment.
void resolve_bare_environment(Node& document, const Environment& env);

// The values of top-level secrets' and configs' `environment: VAR` that `env` sets, keyed
// "secrets.NAME" / "configs.NAME"; a key already in `out` (a deeper include's) is kept.
void collect_source_values(const Node& document, const Environment& env,
                           std::map<std::string, std::string>& out);

}  // namespace pier::compose
