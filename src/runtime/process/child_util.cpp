#include "runtime/process/child_util.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>

#include "sys/syscalls.h"

namespace pier::runtime::child {

unsigned long str_len(const char* s) {
  unsigned long n = 0;
  while (s[n]) ++n;
  return n;
}

bool write_all(int fd, const void* data, unsigned long size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<unsigned long>(n);
  }
  return true;
}

void fail(int sync_fd, Step step, int op, int err) {
  Frame f{Msg::error, step, op, err, 0};
  (void)::send(sync_fd, &f, sizeof f, MSG_NOSIGNAL);
  ::_exit(127);
}

const char* fd_path(char* buf, int fd) {
  static const char prefix[] = "/proc/self/fd/";
  char digits[12];
  int n = 0;
  unsigned v = static_cast<unsigned>(fd);
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v && n < 11);
  int i = 0;
  for (; prefix[i]; ++i) buf[i] = prefix[i];
  while (n) buf[i++] = digits[--n];
  buf[i] = 0;
  return buf;
}

int resolve(int root, const char* abs, bool no_symlinks, int oflags) {
  while (*abs == '/') ++abs;
  if (!*abs) abs = ".";
  sys::OpenHow how{};
  how.flags = static_cast<uint64_t>(oflags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | (no_symlinks ? RESOLVE_NO_SYMLINKS : 0);
  for (;;) {
    int fd = sys::openat2(root, abs, &how);
    if (fd >= 0 || errno != EAGAIN) return fd;  // EAGAIN: a rename raced the lookup
  }
}

namespace {

// Creates the last component of buf (a container path) inside its parent.
int create_component(int root, char* buf, bool last, Create create, bool no_symlinks) {
  char* slash = buf + str_len(buf);
  while (slash > buf && *slash != '/') --slash;
  const char* name = slash + 1;
  int pfd;
  if (slash == buf) {
    pfd = resolve(root, "/", no_symlinks, O_PATH | O_DIRECTORY);
  } else {
    *slash = 0;
    pfd = resolve(root, buf, no_symlinks, O_PATH | O_DIRECTORY);
    *slash = '/';
  }
  if (pfd < 0) return -1;
  int rc;
  if (last && create == Create::file) {
    int fd = ::openat(pfd, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
    rc = fd < 0 ? -1 : ::close(fd);
    if (rc < 0 && errno == EEXIST) rc = 0;
  } else {
    rc = ::mkdirat(pfd, name, 0755);
    if (rc < 0 && errno == EEXIST) rc = 0;
  }
  int saved = errno;
  ::close(pfd);
  errno = saved;
  return rc;
}

}  // namespace

int ensure(int root, const char* abs, Create create, bool no_symlinks) {
  int fd = resolve(root, abs, no_symlinks, O_PATH);
  if (fd >= 0 || errno != ENOENT || create == Create::none) return fd;
  char buf[PATH_MAX];
  unsigned long len = str_len(abs);
  if (len + 1 >= sizeof buf) {
    errno = ENAMETOOLONG;
    return -1;
  }
  for (unsigned long i = 0; i <= len; ++i) buf[i] = abs[i];
  // mkdir -p: walk each prefix; create what is missing, one component at a time.
  for (unsigned long i = 1; i <= len; ++i) {
    if (buf[i] != '/' && buf[i] != 0) continue;
    char saved = buf[i];
    buf[i] = 0;
    int probe = resolve(root, buf, no_symlinks, O_PATH);
    if (probe >= 0) {
      ::close(probe);
    } else if (errno != ENOENT || create_component(root, buf, saved == 0, create, no_symlinks) < 0) {
      return -1;
    }
    buf[i] = saved;
  }
  return resolve(root, abs, no_symlinks, O_PATH);
}

int open_parent(int root, const char* abs, char* buf, const char** name, bool no_symlinks) {
  unsigned long len = str_len(abs);
  if (len + 1 >= PATH_MAX) {
    errno = ENAMETOOLONG;
    return -1;
  }
  for (unsigned long i = 0; i <= len; ++i) buf[i] = abs[i];
  char* slash = buf + len;
  while (slash > buf && *slash != '/') --slash;
  *name = abs + (slash - buf) + 1;
  if (slash == buf) return resolve(root, "/", no_symlinks, O_PATH | O_DIRECTORY);
  *slash = 0;
  return ensure(root, buf, Create::dir, no_symlinks);
}

}  // namespace pier::runtime::child
