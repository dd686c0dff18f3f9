#include "sys/in_root.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <climits>

#include "sys/syscalls.h"

namespace pier::sys {

namespace {

// A rename inside the root while openat2 walks it makes the kernel answer EAGAIN; a
// container that keeps renaming must not keep pier here.
constexpr int kLookupAttempts = 16;

std::string_view relative(std::string_view rel) {
  while (!rel.empty() && rel.front() == '/') rel.remove_prefix(1);
  return rel.empty() ? std::string_view(".") : rel;
}

std::string describe(const ContentRoot& root, std::string_view rel) {
  return fmt::format("{}/{}", root.path, relative(rel));
}

const char* kind_of(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFIFO: return "a FIFO";
    case S_IFCHR: return "a character device";
    case S_IFBLK: return "a block device";
    case S_IFSOCK: return "a socket";
    case S_IFDIR: return "a directory";
    case S_IFLNK: return "a symbolic link";
    default: return "not a plain file";
  }
}

Result<UniqueFd> lookup(const ContentRoot& root, std::string_view rel, LastLink last) {
  const std::string path(relative(rel));
  // O_PATH: the lookup opens nothing, so a FIFO cannot block and a device's driver is
  // never called; only a regular file is opened for reading, below.
  OpenHow how{static_cast<uint64_t>(O_PATH | O_CLOEXEC | (last == LastLink::refuse ? O_NOFOLLOW : 0)), 0,
              RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
  for (int attempt = 0;; ++attempt) {
    int fd = openat2(root.fd.get(), path.c_str(), &how);
    if (fd >= 0) return UniqueFd(fd);
    if ((errno == EAGAIN || errno == EINTR) && attempt < kLookupAttempts) continue;
    if (errno == ENOSYS)
      return Error::system("openat2", describe(root, rel), errno)
          .hint("pier needs Linux 5.6 or newer to read container files safely");
    return Error::system("open", describe(root, rel), errno);
  }
}

}  // namespace

Result<ContentRoot> ContentRoot::open(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return Error::system("open", dir, errno);
  return ContentRoot{std::move(fd), dir};
}

Result<struct stat> stat_in_root(const ContentRoot& root, std::string_view rel, LastLink last) {
  PIER_TRY(UniqueFd path_fd, lookup(root, rel, last));
  struct stat st {};
  if (::fstat(path_fd.get(), &st) != 0) return Error::system("stat", describe(root, rel), errno);
  return st;
}

Result<RegularFile> open_regular_in_root(const ContentRoot& root, std::string_view rel, LastLink last) {
  PIER_TRY(UniqueFd path_fd, lookup(root, rel, last));
  RegularFile file;
  if (::fstat(path_fd.get(), &file.st) != 0) return Error::system("stat", describe(root, rel), errno);
  if (!S_ISREG(file.st.st_mode))
    return Error(fmt::format("refusing to read `{}`: it is {}, not a regular file", describe(root, rel),
                             kind_of(file.st.st_mode)));
  // Reopening through /proc/self/fd opens the very inode checked above, whatever the
  // container has renamed into the path since.
  std::string self = fmt::format("/proc/self/fd/{}", path_fd.get());
  file.fd = UniqueFd(::open(self.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!file.fd) return Error::system("open", describe(root, rel), errno);
  return file;
}

Result<std::string> read_file_in_root(const ContentRoot& root, std::string_view rel, size_t limit, LastLink last) {
  PIER_TRY(RegularFile file, open_regular_in_root(root, rel, last));
  auto too_large = [&] {
    return Error(fmt::format("refusing to read `{}`: it is larger than {} bytes", describe(root, rel), limit));
  };
  if (static_cast<uint64_t>(file.st.st_size) > limit) return too_large();
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(file.fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::system("read", describe(root, rel), errno);
    }
    if (n == 0) return out;
    // The file may grow after the fstat: the limit holds for what is read too.
    if (out.size() + static_cast<size_t>(n) > limit) return too_large();
    out.append(buf, static_cast<size_t>(n));
  }
}

Result<uint64_t> mount_id_in_root(const ContentRoot& root, std::string_view rel, LastLink last) {
  PIER_TRY(UniqueFd path_fd, lookup(root, rel, last));
  struct statx stx {};
  if (::statx(path_fd.get(), "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) != 0)
    return Error::system("statx", describe(root, rel), errno);
  if (!(stx.stx_mask & STATX_MNT_ID))
    return Error(fmt::format("statx `{}`: the kernel gives no mount id (pier needs Linux 5.8 or newer here)",
                             describe(root, rel)));
  return static_cast<uint64_t>(stx.stx_mnt_id);
}

Result<UniqueFd> open_directory_in_root(const ContentRoot& root, std::string_view rel, LastLink last) {
  PIER_TRY(UniqueFd path_fd, lookup(root, rel, last));
  struct stat st {};
  if (::fstat(path_fd.get(), &st) != 0) return Error::system("stat", describe(root, rel), errno);
  if (!S_ISDIR(st.st_mode))
    return Error::system("open directory", describe(root, rel), ENOTDIR);
  // The same inode as the lookup's, whatever the container renamed into the path since.
  std::string self = fmt::format("/proc/self/fd/{}", path_fd.get());
  UniqueFd dir(::open(self.c_str(), O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC));
  if (!dir) return Error::system("open directory", describe(root, rel), errno);
  return dir;
}

Result<std::string> read_link_in_root(const ContentRoot& root, std::string_view rel) {
  PIER_TRY(UniqueFd path_fd, lookup(root, rel, LastLink::refuse));
  char target[PATH_MAX + 1];
  // An empty path reads the link an O_PATH | O_NOFOLLOW descriptor holds.
  ssize_t n = ::readlinkat(path_fd.get(), "", target, sizeof target);
  if (n < 0) return Error::system("read link", describe(root, rel), errno);
  if (static_cast<size_t>(n) > PATH_MAX)
    return Error(fmt::format("refusing link `{}`: its target is longer than PATH_MAX", describe(root, rel)));
  return std::string(target, static_cast<size_t>(n));
}

bool is_absent(const Error& error) { return error.errnum() == ENOENT || error.errnum() == ENOTDIR; }

}  // namespace pier::sys
