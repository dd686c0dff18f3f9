// State and output files are written atomically: temp file, fsync, rename,
// fsync of the directory (design rule 4). A crash leaves the old or the new file.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace pier {

Status write_file_atomic(const std::string& path, std::string_view content, unsigned mode = 0644);
Result<std::string> read_file(const std::string& path);

}  // namespace pier
