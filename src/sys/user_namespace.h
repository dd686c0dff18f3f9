// Which identity pier runs with: root of the machine, or a user (issue 19, rootless).
// A user's pier runs inside a user namespace where it is uid 0; everything that must
// behave differently there (default paths, cgroups, device nodes, networking) asks
// here rather than testing geteuid(), which says 0 in both cases.
#pragma once

#include <string_view>

namespace pier::sys {

// True when `uid_map` (the text of /proc/<pid>/uid_map) is the initial user
// namespace's identity map: every id maps to itself.
bool is_initial_uid_map(std::string_view uid_map);

// True when this process is in the machine's initial user namespace.
bool in_initial_user_namespace();

// True when pier runs for a user rather than for the machine's root: the effective uid
// is not 0, or it is 0 only inside a user namespace (pier's own, or `unshare -r`).
bool rootless();

}  // namespace pier::sys
