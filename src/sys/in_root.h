// Host-side reads of files that an image, a container, a volume or a build stage
// controls (design rule 8: container content is hostile). Every such read goes through
// here: the path is resolved as if the directory were `/` (openat2 RESOLVE_IN_ROOT |
// RESOLVE_NO_MAGICLINKS), the file must be a regular file before anything reads it (a
// FIFO would block the reading thread, a device node would be opened by host root
// outside the container's device cgroup), and what is read into memory is capped.
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/unique_fd.h"

namespace pier::sys {

// A directory whose content pier does not trust, opened O_PATH; `path` names it in
// messages.
struct ContentRoot {
  UniqueFd fd;
  std::string path;

  static Result<ContentRoot> open(const std::string& dir);
};

// What to do when the last component of a path is a symbolic link: follow it (still
// inside the root, as the container itself would) or refuse it (the caller wants the
// entry it has already seen, e.g. while copying a tree).
enum class LastLink { follow_in_root, refuse };

struct RegularFile {
  UniqueFd fd;  // O_RDONLY | O_NONBLOCK | O_CLOEXEC
  struct stat st {};
};

// Opens `rel` (absolute or relative; `..` never leaves the root) for reading. Fails with
// the errno of the lookup (ENOENT, ENOTDIR: nothing there), or with a message naming the
// path and its type when it is not a regular file; nothing but a regular file is opened.
Result<RegularFile> open_regular_in_root(const ContentRoot& root, std::string_view rel,
                                         LastLink last = LastLink::follow_in_root);

// The type, mode and owner of `rel`, from a lookup that opens nothing (O_PATH).
Result<struct stat> stat_in_root(const ContentRoot& root, std::string_view rel, LastLink last);

// The whole content of `rel`, refused (not cut) when it is longer than `limit` bytes.
Result<std::string> read_file_in_root(const ContentRoot& root, std::string_view rel, size_t limit,
                                      LastLink last = LastLink::follow_in_root);

// The id of the mount `rel` is on (statx STX_MNT_ID), to tell a container's own files from
// what is mounted over them (volumes, bind-mounted files, its /dev).
Result<uint64_t> mount_id_in_root(const ContentRoot& root, std::string_view rel, LastLink last);

// The directory `rel`, opened O_RDONLY | O_DIRECTORY to list it. O_DIRECTORY makes the
// kernel refuse anything else at the lookup, before a FIFO or a device could be opened.
Result<UniqueFd> open_directory_in_root(const ContentRoot& root, std::string_view rel, LastLink last);

// The target of the symbolic link `rel` (read, never followed), refused beyond PATH_MAX.
Result<std::string> read_link_in_root(const ContentRoot& root, std::string_view rel);

// True for the errors that mean "nothing at that path" (the path or a parent is absent,
// or a parent is not a directory), which callers may read as an empty file.
bool is_absent(const Error& error);

}  // namespace pier::sys
