#include "base/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>

namespace pier {

Result<FileLock> FileLock::acquire(const std::string& path, Mode mode, bool try_only) {
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd) return Error::system("open lock file", path, errno);
  int op = (mode == Mode::shared ? LOCK_SH : LOCK_EX) | (try_only ? LOCK_NB : 0);
  while (::flock(fd.get(), op) != 0) {
    if (errno == EINTR) continue;
    return Error::system("lock", path, errno);
  }
  return FileLock(std::move(fd));
}

}  // namespace pier
