#include "compose/paths.h"

#include <filesystem>

#include "base/strings.h"

namespace pier::compose {
namespace fs = std::filesystem;

std::string absolute_path(const std::string& dir, const std::string& path) {
  if (path.empty() || path[0] == '~') return path;
  std::string out = (fs::path(dir) / path).lexically_normal().string();  // `/` path: dir ignored
  if (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

std::string directory_of(const std::string& file) {
  return fs::path(file).parent_path().string();
}

bool is_remote_context(const std::string& context) {
  return context.find("://") != std::string::npos || starts_with(context, "git@") ||
         starts_with(context, "github.com/");
}

}  // namespace pier::compose
