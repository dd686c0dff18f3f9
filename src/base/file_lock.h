// flock(2) on a lock file (image store writers and GC, the project lock).
#pragma once

#include <string>

#include "base/result.h"
#include "base/unique_fd.h"

namespace pier {

class FileLock {
 public:
  enum class Mode { shared, exclusive };
  FileLock() = default;
  // Blocks until granted; `try_only` returns an error with EWOULDBLOCK instead.
  static Result<FileLock> acquire(const std::string& path, Mode mode, bool try_only = false);
  bool held() const { return fd_.valid(); }

 private:
  explicit FileLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;  // closing the fd releases the lock
};

}  // namespace pier
