// Lexical path cleaning, Go's path.Clean: no file system access, no link followed. Used
// wherever a path from a compose file, an image, a Dockerfile or an archive is compared
// or joined, so that "a//b/./c/.." and "a/b" are one path.
#pragma once

#include <string>
#include <string_view>

namespace pier {

// The shortest equal path: repeated and trailing slashes, "." and "x/.." removed; ".."
// at the start of a relative path kept, ".." right under "/" dropped; "" becomes ".".
std::string clean_path(std::string_view path);

// `path` read from a root (`/` prepended first), so the result is absolute and no ".."
// climbs above it: "../../etc" is "/etc". Mount targets and paths inside an image or an
// archive are read this way.
std::string clean_rooted_path(std::string_view path);

}  // namespace pier
