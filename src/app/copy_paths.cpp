#include "app/copy_paths.h"

#include <cerrno>

namespace pier::app {
namespace {

// Drops trailing `/` and `/.` ("a/b/./" -> "a/b"); "/" stays "/".
std::string trimmed(std::string path) {
  for (;;) {
    if (path.size() > 1 && path.back() == '/') {
      path.pop_back();
    } else if (path.size() > 2 && path.ends_with("/.")) {
      path.resize(path.size() - 2);
    } else if (path == ".") {
      return path;
    } else {
      return path.empty() ? "/" : path;
    }
  }
}

}  // namespace

bool ends_in_separator(const std::string& path) {
  return path.ends_with('/') || path.ends_with("/.") || path == ".";
}

bool means_content(const std::string& path) { return path.ends_with("/.") || path == "." || trimmed(path) == "/"; }

std::string base_name(const std::string& path) {
  std::string t = trimmed(path);
  if (t == "/") return "";
  auto slash = t.rfind('/');
  return slash == std::string::npos ? t : t.substr(slash + 1);
}

std::string parent_path(const std::string& path) {
  std::string t = trimmed(path);
  auto slash = t.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : t.substr(0, slash);
}

Result<Placement> place_copy(const std::string& source, bool source_is_dir, const CopyDestination& d) {
  if (d.exists && d.is_dir)
    return Placement{d.path, source_is_dir && means_content(source) ? "" : base_name(source)};
  if (d.exists) {
    if (source_is_dir) return Error("cannot copy a directory to a file: `" + d.path + "` is a file");
    if (ends_in_separator(d.path)) return Error::system("copy to", d.path, ENOTDIR);
    return Placement{parent_path(d.path), base_name(d.path)};
  }
  if (ends_in_separator(d.path) && !source_is_dir)
    return Error("destination directory `" + d.path + "` must exist to copy a file into it");
  if (base_name(d.path).empty()) return Error("cannot copy onto `" + d.path + "`");
  return Placement{parent_path(d.path), base_name(d.path)};
}

}  // namespace pier::app
