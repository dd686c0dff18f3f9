#include "app/logs/records_watcher.h"

#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace pier::app::logs {

Result<std::unique_ptr<RecordsWatcher>> RecordsWatcher::open(std::string dir) {
  std::unique_ptr<RecordsWatcher> w(new RecordsWatcher(std::move(dir)));
  w->inotify_.reset(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!w->inotify_) return Error::system("create inotify instance for", w->dir_, errno);
  // Records are written atomically (a temporary file renamed into place): a new or
  // updated record is IN_MOVED_TO, a removed one IN_DELETE.
  constexpr uint32_t kMask = IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                             IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
  if (::inotify_add_watch(w->inotify_.get(), w->dir_.c_str(), kMask) < 0)
    return Error::system("watch container records", w->dir_, errno);
  return w;
}

Result<bool> RecordsWatcher::drain() {
  alignas(struct inotify_event) char buf[4096];
  for (;;) {
    ssize_t n = ::read(inotify_.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      return Error::system("read inotify events for", dir_, errno);
    }
    if (n == 0) break;
    for (char* p = buf; p < buf + n;) {
      auto* ev = reinterpret_cast<struct inotify_event*>(p);
      if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) gone_ = true;
      p += sizeof(struct inotify_event) + ev->len;
    }
  }
  struct stat st {};
  if (::stat(dir_.c_str(), &st) != 0) gone_ = true;
  return !gone_;
}

}  // namespace pier::app::logs
