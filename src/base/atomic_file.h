// State and output files are written atomically: temp file, fsync, rename,
// fsync of the directory (design rule 4). A crash leaves the old or the new file.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.h"

namespace pier {

// `durable`: fsync the file and its directory, so the new content survives a power
// loss. Without it the write is still atomic against a crash of the writer.
enum class Durability { durable, crash_safe };
// The file gets exactly `mode`, whatever the umask.
Status write_file_atomic(const std::string& path, std::string_view content, unsigned mode = 0644,
                         Durability durability = Durability::durable);
Result<std::string> read_file(const std::string& path);
// At most `limit` bytes, the file opened with `extra_flags` too. For pier's own files and
// the user's: a file an image, a container or a volume controls is read with
// sys/in_root.h, which resolves it inside its root and opens only a regular file.
Result<std::string> read_file(const std::string& path, size_t limit, int extra_flags);

}  // namespace pier
