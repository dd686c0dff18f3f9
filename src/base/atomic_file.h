// State and output files are written atomically: temp file, fsync, rename,
// fsync of the directory (design rule 4). A crash leaves the old or the new file.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.h"

namespace pier {

// The file gets exactly `mode`, whatever the umask.
// `durable`: fsync the file and its directory, so the new content survives a power
// loss. Without it the write is still atomic against a crash of the writer.
enum class Durability { durable, crash_safe };
Status write_file_atomic(const std::string& path, std::string_view content, unsigned mode = 0644,
                         Durability durability = Durability::durable);
Result<std::string> read_file(const std::string& path);
// At most `limit` bytes, the file opened with `extra_flags` too: O_NOFOLLOW reads a file
// of an image's or a container's tree without following a symlink out of it.
Result<std::string> read_file(const std::string& path, size_t limit, int extra_flags);

}  // namespace pier
