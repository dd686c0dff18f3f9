#include "image/unpack/in_root.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "sys/syscalls.h"

namespace pier::image {
namespace {

std::string join_components(const std::vector<std::string>& parts, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    if (i) out += '/';
    out += parts[i];
  }
  return out.empty() ? std::string(".") : out;
}

Status remove_children(int dir_fd, const std::string& name) {
  int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return Error::system("open directory", name, errno);
  DIR* dir = ::fdopendir(fd);
  if (!dir) {
    ::close(fd);
    return Error::system("read directory", name, errno);
  }
  Status status;
  while (auto* ent = ::readdir(dir)) {
    std::string child = ent->d_name;
    if (child == "." || child == "..") continue;
    status = remove_at(::dirfd(dir), child);
    if (!status) break;
  }
  ::closedir(dir);
  return status;
}

}  // namespace

Result<std::vector<std::string>> clean_member_path(std::string_view name) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= name.size()) {
    size_t slash = name.find('/', start);
    if (slash == std::string_view::npos) slash = name.size();
    std::string_view comp = name.substr(start, slash - start);
    if (comp == "..")
      return Error("refusing member `" + std::string(name) + "`: it climbs out with `..`");
    if (!comp.empty() && comp != ".") out.emplace_back(comp);
    start = slash + 1;
  }
  return out;
}

Result<UniqueFd> open_in_root(int root_fd, const std::string& rel, int flags) {
  sys::OpenHow how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
  for (;;) {
    int fd = sys::openat2(root_fd, rel.c_str(), &how);
    if (fd >= 0) return UniqueFd(fd);
    if (errno == EINTR || errno == EAGAIN) continue;  // EAGAIN: a rename raced the lookup
    if (errno == ENOSYS)
      return Error::system("openat2", rel, errno).hint("pier needs Linux 5.6 or newer to unpack layers safely");
    return Error::system("open in layer", rel, errno);
  }
}

Result<UniqueFd> make_dirs_in_root(int root_fd, const std::vector<std::string>& parts, size_t count) {
  std::string rel = join_components(parts, count);
  auto fd = open_in_root(root_fd, rel, O_PATH | O_DIRECTORY);
  if (fd.ok() || fd.error().errnum() != ENOENT || count == 0) return fd;
  PIER_TRY(UniqueFd parent, make_dirs_in_root(root_fd, parts, count - 1));
  if (::mkdirat(parent.get(), parts[count - 1].c_str(), 0755) == 0) {
    // A parent the archive does not list: 0755 as tar makes it, past pier's umask (077).
    if (::fchmodat(parent.get(), parts[count - 1].c_str(), 0755, 0) != 0)
      return Error::system("chmod", rel, errno);
  } else if (errno != EEXIST) {
    return Error::system("create directory", rel, errno);
  }
  return open_in_root(root_fd, rel, O_PATH | O_DIRECTORY);
}

Status remove_at(int dir_fd, const std::string& name) {
  struct stat st {};
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    return errno == ENOENT ? Status() : Status(Error::system("stat", name, errno));
  if (S_ISDIR(st.st_mode)) {
    PIER_CHECK(remove_children(dir_fd, name));
    if (::unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR) != 0) return Error::system("remove directory", name, errno);
    return {};
  }
  if (::unlinkat(dir_fd, name.c_str(), 0) != 0 && errno != ENOENT) return Error::system("remove", name, errno);
  return {};
}

}  // namespace pier::image
