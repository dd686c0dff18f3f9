// Directories with the mode pier means, whatever the umask. pier runs with umask 077
// (cli/main.cpp) so that nothing it makes is open to other local users by accident;
// what must be reachable by them says so here.
#pragma once

#include <sys/types.h>

#include <string>

#include "base/result.h"

namespace pier {

// mkdir -p: each directory this call creates gets exactly `mode`; existing ones are left
// as they are.
Status make_dirs(const std::string& path, mode_t mode);

// mkdir with exactly `mode` (EEXIST is fine; an existing directory keeps its mode).
Status make_dir(const std::string& path, mode_t mode);

}  // namespace pier
