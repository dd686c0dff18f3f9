// Path resolution confined to a directory, as if it were `/`: every lookup goes
// through openat2(RESOLVE_IN_ROOT), so `..`, absolute symlinks and symlinked
// parents can never leave it (security.md "Implementation checks").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace pier::image {

// Splits a tar member name into components: drops empty and "." parts and a
// leading '/', rejects "..". An empty result means the root itself.
Result<std::vector<std::string>> clean_member_path(std::string_view name);

// openat2(root_fd, rel, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV).
Result<UniqueFd> open_in_root(int root_fd, const std::string& rel, int flags);

// Opens (O_PATH) the directory `rel` inside root, creating missing ones (0755,
// like tar) one component at a time, each resolved in root again.
Result<UniqueFd> make_dirs_in_root(int root_fd, const std::vector<std::string>& components, size_t count);

// Removes `name` in `dir_fd` (a whole tree if it is a directory); ENOENT is fine.
Status remove_at(int dir_fd, const std::string& name);

}  // namespace pier::image
