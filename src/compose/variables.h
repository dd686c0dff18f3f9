// The variables a project's files use, for `pier config --variables`.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "compose/loader.h"
#include "compose/node.h"

namespace pier::compose {

struct Variable {
  std::string name;
  bool required = false;        // used as `${X:?msg}` or `${X?msg}` somewhere
  std::string default_value;    // from `${X:-d}` / `${X-d}`, as written
  std::string alternate_value;  // from `${X:+a}` / `${X+a}`, as written
  bool has_default = false;
  bool has_alternate = false;
};

// Every variable referenced by a scalar of `root` (which must not be interpolated
// yet), sorted by name. A variable used several times is listed once: required if
// any use requires it; the first default and first alternate met are kept.
Result<std::vector<Variable>> list_variables(const Node& root);

// Loads the project without interpolation and lists its variables.
Result<std::vector<Variable>> list_project_variables(const LoadOptions& options);

}  // namespace pier::compose
