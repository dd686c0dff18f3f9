// Host-side writes into a directory a container controls (design rule 8: container
// content is hostile), for `pier watch`'s sync. Every directory on the way is looked up
// as if the root were `/` (openat2 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), so a
// symbolic link the container planted resolves inside it, never on the host; the last
// component is never followed: a file is written under a new name and renamed over it
// (a link there is replaced, not written through), and a removal unlinks the entry
// itself, descending into a directory only through descriptors opened O_NOFOLLOW.
#pragma once

#include <sys/types.h>

#include <string_view>

#include "base/result.h"
#include "sys/in_root.h"

namespace pier::sys {

// Creates the missing directories of `rel` (mode 0755) and returns the last, O_PATH.
Result<UniqueFd> make_dirs_in_root(const ContentRoot& root, std::string_view rel);

// `rel` gets the content of `source_fd` (read from its current offset to its end) and
// `mode`; its parent directories are made when missing.
Status write_file_in_root(const ContentRoot& root, std::string_view rel, int source_fd, mode_t mode);

// Removes `rel` and, when it is a directory, everything below it. Nothing there is
// success.
Status remove_in_root(const ContentRoot& root, std::string_view rel);

}  // namespace pier::sys
