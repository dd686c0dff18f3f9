// Where a user's pier keeps its data and its run state (issue 19, rootless). Root's
// pier keeps /var/lib/pier and /run/pier (state/paths.h); `--root` and PIER_ROOT win
// over both.
//
// The choice is made from the real user's environment and identity, and must come out
// the same in every pier process of the user: the first command runs as the user in the
// machine's user namespace, the supervisor it starts runs as uid 0 inside pier's user
// namespace, where getpwuid(0) would be root's entry. So the uid is always the one
// outside (read back through /proc/self/uid_map).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace pier::rootless {

struct LocationInputs {
  std::string xdg_data_home;    // $XDG_DATA_HOME ("" when unset)
  std::string xdg_runtime_dir;  // $XDG_RUNTIME_DIR
  std::string home;             // $HOME, else the passwd entry's home of `uid`
  uid_t uid = 0;                // the user's uid outside every user namespace
};

struct Locations {
  std::string data;  // images, volumes, logs: $XDG_DATA_HOME/pier, else ~/.local/share/pier
  std::string run;   // projects' run state: $XDG_RUNTIME_DIR/pier, else /tmp/pier-<uid>
  // The run directory is the fallback under /tmp, shared with every local user: it
  // must be checked before use (private_dir.h) and the user warned.
  bool run_in_tmp = false;
};

// The XDG Base Directory rules: a variable that is unset, empty or relative is ignored.
// An error when neither XDG_DATA_HOME nor a home directory is known.
Result<Locations> choose_locations(const LocationInputs& in);

// The id outside that `inside` maps to in `map` (the text of /proc/<pid>/uid_map or
// gid_map), if `inside` is mapped.
std::optional<unsigned long> outside_id(std::string_view map, unsigned long inside);

// choose_locations for this process: the environment, the passwd entry and the uid
// outside the user namespace it is in.
Result<Locations> user_locations();

}  // namespace pier::rootless
