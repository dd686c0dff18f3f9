// Names that become one component of a path under a directory pier owns: a project's
// run directory, a volume's directory, a container's scratch, log and record files.
// The names come from compose files and the command line, which the compose checks
// already hold to Docker's rules; this is the wall behind those checks, at the place
// each path is joined, so a name that slips past them still cannot climb out.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace pier {

// False for "", ".", "..", and anything holding `/` or NUL.
bool is_path_component(std::string_view name);

// `parent/name`, refused unless the result is directly under `parent`. The check is
// lexical: no link is followed, so it holds whatever the directories contain.
// `what` names the kind of name in the error ("volume", "container").
Result<std::string> join_beneath(std::string_view parent, std::string_view name, std::string_view what);

}  // namespace pier
