// Paths as a compose file writes them: relative to the file that says them (or to the
// project directory), made absolute lexically while the files load, so a path keeps its
// meaning after `include` and `extends` pull it into another file.
#pragma once

#include <string>

namespace pier::compose {

// `dir`/`path` made absolute and lexically normal; `~` paths and "" unchanged.
std::string absolute_path(const std::string& dir, const std::string& path);

// The directory a compose file lies in: what its relative paths are relative to.
std::string directory_of(const std::string& file);

// True for build contexts that are not local paths (git/http URLs).
bool is_remote_context(const std::string& context);

}  // namespace pier::compose
