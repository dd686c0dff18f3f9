#include "sys/in_root_write.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <string>
#include <vector>

#include "sys/syscalls.h"

namespace pier::sys {
namespace {

constexpr int kWriteAttempts = 16;  // as in_root.cpp: EAGAIN while the container renames

// The components of `rel`, without empty ones and `.`; `..` stays for the kernel, which
// never lets it leave the root.
std::vector<std::string> components(std::string_view rel) {
  std::vector<std::string> out;
  while (!rel.empty()) {
    auto slash = rel.find('/');
    std::string_view part = rel.substr(0, slash);
    if (!part.empty() && part != ".") out.emplace_back(part);
    if (slash == std::string_view::npos) break;
    rel.remove_prefix(slash + 1);
  }
  return out;
}

std::string join(const std::vector<std::string>& parts, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += (i ? "/" : "") + parts[i];
  return out.empty() ? "." : out;
}

std::string path_in(const ContentRoot& root, const std::string& rel) { return fmt::format("{}/{}", root.path, rel); }

// A directory of the root, O_PATH, its path resolved inside the root.
Result<UniqueFd> open_dir(const ContentRoot& root, const std::string& rel) {
  OpenHow how{static_cast<uint64_t>(O_PATH | O_DIRECTORY | O_CLOEXEC), 0, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
  for (int attempt = 0;; ++attempt) {
    int fd = openat2(root.fd.get(), rel.c_str(), &how);
    if (fd >= 0) return UniqueFd(fd);
    if ((errno == EAGAIN || errno == EINTR) && attempt < kWriteAttempts) continue;
    return Error::system("open directory", path_in(root, rel), errno);
  }
}

// Everything below the directory `dir` (an fd that may be read), then nothing else.
Status empty_dir(int dir, const std::string& what) {
  int listing = ::dup(dir);
  if (listing < 0) return Error::system("dup", what, errno);
  DIR* d = ::fdopendir(listing);
  if (!d) {
    ::close(listing);
    return Error::system("read directory", what, errno);
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(d);
  for (const auto& name : names) {
    if (::unlinkat(dir, name.c_str(), 0) == 0 || errno == ENOENT) continue;
    if (errno != EISDIR && errno != EPERM) return Error::system("remove", what + "/" + name, errno);
    // A directory: opened without following a link that replaced it meanwhile.
    UniqueFd sub(::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!sub) return Error::system("open directory", what + "/" + name, errno);
    PIER_CHECK(empty_dir(sub.get(), what + "/" + name));
    if (::unlinkat(dir, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
      return Error::system("remove", what + "/" + name, errno);
  }
  return {};
}

}  // namespace

Result<UniqueFd> make_dirs_in_root(const ContentRoot& root, std::string_view rel) {
  auto parts = components(rel);
  PIER_TRY(UniqueFd dir, open_dir(root, "."));
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string path = join(parts, i + 1);
    auto next = open_dir(root, path);
    if (!next && next.error().errnum() == ENOENT) {
      // mkdirat never follows a link at the name: one there is EEXIST, then resolved
      // inside the root by the open below.
      if (::mkdirat(dir.get(), parts[i].c_str(), 0755) != 0 && errno != EEXIST)
        return Error::system("create directory", path_in(root, path), errno);
      next = open_dir(root, path);
    }
    if (!next) return std::move(next).error();
    dir = std::move(*next);
  }
  return dir;
}

Status write_file_in_root(const ContentRoot& root, std::string_view rel, int source_fd, mode_t mode) {
  auto parts = components(rel);
  if (parts.empty() || parts.back() == "..") return Error(fmt::format("cannot write `{}`: not a file path", rel));
  std::string name = parts.back();
  parts.pop_back();
  std::string parent = join(parts, parts.size());
  PIER_TRY(UniqueFd dir, make_dirs_in_root(root, parent));
  std::string where = path_in(root, join(components(rel), components(rel).size()));
  std::string temp;
  UniqueFd out;
  for (int attempt = 0; !out; ++attempt) {
    temp = fmt::format(".pier-sync-{}-{}", ::getpid(), attempt);
    out = UniqueFd(::openat(dir.get(), temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!out && (errno != EEXIST || attempt >= kWriteAttempts)) return Error::system("create", where, errno);
  }
  auto fail = [&](const char* op, int err) {
    ::unlinkat(dir.get(), temp.c_str(), 0);
    return Error::system(op, where, err);
  };
  char buffer[1 << 16];
  for (;;) {
    ssize_t n = ::read(source_fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("read the source of", errno);
    if (n == 0) break;
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::write(out.get(), buffer + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return fail("write", errno);
      done += w;
    }
  }
  if (::fchmod(out.get(), mode & 07777) != 0) return fail("chmod", errno);
  // rename replaces whatever is at `name` (a link included) and never follows it.
  if (::renameat(dir.get(), temp.c_str(), dir.get(), name.c_str()) != 0) return fail("replace", errno);
  return {};
}

Status remove_in_root(const ContentRoot& root, std::string_view rel) {
  auto parts = components(rel);
  if (parts.empty() || parts.back() == "..") return Error(fmt::format("cannot remove `{}`: not an entry", rel));
  std::string name = parts.back();
  std::string where = path_in(root, join(parts, parts.size()));
  parts.pop_back();
  auto dir = open_dir(root, join(parts, parts.size()));
  if (!dir) return is_absent(dir.error()) ? Status{} : Status(std::move(dir).error());
  if (::unlinkat(dir->get(), name.c_str(), 0) == 0 || errno == ENOENT) return {};
  if (errno != EISDIR && errno != EPERM) return Error::system("remove", where, errno);
  UniqueFd sub(::openat(dir->get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!sub) return Error::system("open directory", where, errno);
  PIER_CHECK(empty_dir(sub.get(), where));
  if (::unlinkat(dir->get(), name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
    return Error::system("remove", where, errno);
  return {};
}

}  // namespace pier::sys
