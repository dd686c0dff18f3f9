#include "base/dirs.h"

#include <sys/stat.h>

#include <cerrno>

namespace pier {

Status make_dir(const std::string& path, mode_t mode) {
  if (::mkdir(path.c_str(), mode) != 0) {
    if (errno == EEXIST) return {};
    return Error::system("create directory", path, errno);
  }
  // mkdir's mode went through the umask; chmod sets the one asked for.
  if (::chmod(path.c_str(), mode) != 0) return Error::system("chmod", path, errno);
  return {};
}

Status make_dirs(const std::string& path, mode_t mode) {
  struct stat st {};
  if (path.empty() || ::stat(path.c_str(), &st) == 0) return {};
  auto slash = path.find_last_not_of('/');
  slash = slash == std::string::npos ? std::string::npos : path.rfind('/', slash);
  if (slash != std::string::npos && slash > 0) PIER_CHECK(make_dirs(path.substr(0, slash), mode));
  return make_dir(path, mode);
}

}  // namespace pier
