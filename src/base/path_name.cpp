#include "base/path_name.h"

#include <fmt/format.h>

#include <filesystem>

namespace pier {

namespace fs = std::filesystem;

bool is_path_component(std::string_view name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos &&
         name.find('\0') == std::string_view::npos;
}

Result<std::string> join_beneath(std::string_view parent, std::string_view name, std::string_view what) {
  std::string joined = fmt::format("{}/{}", parent, name);
  // Compare the normalised result with the normalised parent: the joined path must be
  // the parent plus exactly `name`, one level down.
  fs::path base = fs::path(parent).lexically_normal();
  if (!base.has_filename() && base.has_relative_path()) base = base.parent_path();
  fs::path result = fs::path(joined).lexically_normal();
  bool beneath = is_path_component(name) && result.parent_path() == base && result.filename() == fs::path(name);
  if (!beneath || parent.empty())
    return Error(fmt::format("{} name `{}` is not a single path component under `{}`", what, name, parent))
        .hint("names may not be empty, `.` or `..`, or contain `/`");
  return joined;
}

}  // namespace pier
