// Which maps pier's user namespace gets, and writing them for a process that has just
// made it: through the setuid helpers newuidmap/newgidmap (Debian `uidmap`) when the
// user has subordinate ranges, else the one map an unprivileged process may write
// itself, `0 <uid> 1`, with setgroups denied.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/result.h"
#include "rootless/id_map.h"

namespace pier::rootless {

struct NamespaceMaps {
  std::vector<MapLine> uid;
  std::vector<MapLine> gid;
  std::string newuidmap;  // the helpers' paths; empty for the single-id map
  std::string newgidmap;
  // Why the single-id map was chosen (empty when the helpers are used): said to the user.
  std::string single_id_reason;
};

// From /etc/subuid, /etc/subgid and the helpers on PATH, for the calling user.
NamespaceMaps plan_maps();

// Writes `maps` for `pid`, a process that has unshared its user namespace and waits.
Status apply_maps(pid_t pid, const NamespaceMaps& maps);

}  // namespace pier::rootless
