#include "base/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <fstream>
#include <sstream>

#include "base/unique_fd.h"

namespace pier {
namespace {

Status write_all(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::system("write", path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

std::string parent_dir(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

Status write_file_atomic(const std::string& path, std::string_view content, unsigned mode, Durability durability) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd) return Error::system("create", tmp, errno);
  // Exactly `mode`: pier's umask (077) would otherwise hide files meant to be read, such
  // as a container's generated /etc/hosts.
  if (::fchmod(fd.get(), mode) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Error::system("chmod", tmp, err);
  }
  if (auto st = write_all(fd.get(), content, tmp); !st) {
    ::unlink(tmp.c_str());
    return st;
  }
  if (durability == Durability::durable && ::fsync(fd.get()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Error::system("fsync", tmp, err);
  }
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Error::system("rename to", path, err);
  }
  if (durability == Durability::crash_safe) return {};
  UniqueFd dir(::open(parent_dir(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir) ::fsync(dir.get());
  return {};
}

Result<std::string> read_file(const std::string& path) { return read_file(path, SIZE_MAX, 0); }

Result<std::string> read_file(const std::string& path, size_t limit, int extra_flags) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | extra_flags));
  if (!fd) return Error::system("open", path, errno);
  std::string out;
  char buf[65536];
  while (out.size() < limit) {
    ssize_t n = ::read(fd.get(), buf, std::min(sizeof buf, limit - out.size()));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::system("read", path, errno);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace pier
