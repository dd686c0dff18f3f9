#include "plan/volume_paths.h"

#include <cctype>

#include <fmt/format.h>

#include "base/path_name.h"

namespace pier::plan {

Result<std::string> anonymous_volume_dir(const state::ProjectPaths& paths, const std::string& container,
                                 const std::string& target) {
  std::string name;
  for (unsigned char c : target) {
    if (std::isalnum(c) || c == '.' || c == '-') name += static_cast<char>(c);
    else name += fmt::format("_{:02x}", c);
  }
  PIER_TRY(std::string dir, paths.anonymous_volumes_dir(container));
  return join_beneath(dir, name, "anonymous volume");
}

}  // namespace pier::plan
