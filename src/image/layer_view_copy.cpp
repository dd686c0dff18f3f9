// LayerView::copy_dir: a merged directory of an image copied out to the host, as Docker
// fills a new volume from the image's content at its mount point on first use.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/unique_fd.h"
#include "image/layer_view.h"

namespace pier::image {

namespace {

constexpr int kMaxDepth = 256;  // a deeper image tree is refused rather than recursed

// Ownership is copied when pier may (as root); an unprivileged run keeps its own.
Status chown_if_permitted(int rc, const std::string& path) {
  if (rc == 0 || (errno == EPERM && ::geteuid() != 0)) return {};
  return Error::system("chown", path, errno);
}

Status copy_file(const sys::RegularFile& in, const std::string& from, const std::string& to) {
  const struct stat& st = in.st;
  UniqueFd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!out) return Error::system("create", to, errno);
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(in.fd.get(), buf, sizeof buf);
    if (n < 0) return Error::system("read", from, errno);
    if (n == 0) break;
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::write(out.get(), buf + done, static_cast<size_t>(n - done));
      if (w < 0) return Error::system("write", to, errno);
      done += w;
    }
  }
  PIER_CHECK(chown_if_permitted(::fchown(out.get(), st.st_uid, st.st_gid), to));
  if (::fchmod(out.get(), st.st_mode & 07777) != 0) return Error::system("chmod", to, errno);
  const timespec times[2] = {st.st_atim, st.st_mtim};
  ::futimens(out.get(), times);
  return {};
}

Status copy_special(const std::string& from, const std::string& to, const struct stat& st) {
  if (S_ISLNK(st.st_mode)) {
    std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
    ssize_t n = ::readlink(from.c_str(), target.data(), target.size());
    if (n < 0) return Error::system("readlink", from, errno);
    target.resize(static_cast<size_t>(n));
    if (::symlink(target.c_str(), to.c_str()) != 0) return Error::system("symlink", to, errno);
    return chown_if_permitted(::lchown(to.c_str(), st.st_uid, st.st_gid), to);
  }
  if (S_ISSOCK(st.st_mode)) return {};  // a socket in an image is a leftover; nothing listens on it
  if (::mknod(to.c_str(), st.st_mode, st.st_rdev) != 0) {
    if (errno == EPERM && !S_ISFIFO(st.st_mode)) return {};  // device nodes need root
    return Error::system("mknod", to, errno);
  }
  PIER_CHECK(chown_if_permitted(::lchown(to.c_str(), st.st_uid, st.st_gid), to));
  // chmod after chown (which clears setuid and setgid); mknod's mode lost the umask's bits.
  if (::chmod(to.c_str(), st.st_mode & 07777) != 0) return Error::system("chmod", to, errno);
  return {};
}

}  // namespace

Status LayerView::copy_dir(const Entry& dir, const std::string& dest) const {
  if (!dir.is_dir()) return Error(fmt::format("copy into `{}`: the image path is not a directory", dest));
  PIER_CHECK(copy_tree(dir, dest, 0));
  PIER_CHECK(chown_if_permitted(::lchown(dest.c_str(), dir.st.st_uid, dir.st.st_gid), dest));
  if (::chmod(dest.c_str(), dir.st.st_mode & 07777) != 0) return Error::system("chmod", dest, errno);
  return {};
}

Status LayerView::copy_tree(const Entry& dir, const std::string& dest, int depth) const {
  if (depth > kMaxDepth) return Error(fmt::format("image tree under `{}` is nested too deeply to copy", dest));
  PIER_TRY(std::vector<std::string> names, list(dir));
  for (const auto& name : names) {
    auto entry = lookup(dir, name);
    if (!entry) continue;  // gone since list() read the directory
    const std::string from = entry->host_path();
    const std::string to = dest + "/" + name;
    const struct stat& st = entry->st;
    if (entry->is_dir()) {
      if (::mkdir(to.c_str(), 0700) != 0) return Error::system("mkdir", to, errno);
      PIER_CHECK(copy_tree(*entry, to, depth + 1));
      PIER_CHECK(chown_if_permitted(::lchown(to.c_str(), st.st_uid, st.st_gid), to));
      if (::chmod(to.c_str(), st.st_mode & 07777) != 0) return Error::system("chmod", to, errno);
      const timespec times[2] = {st.st_atim, st.st_mtim};
      ::utimensat(AT_FDCWD, to.c_str(), times, AT_SYMLINK_NOFOLLOW);
    } else if (S_ISREG(st.st_mode)) {
      PIER_TRY(sys::RegularFile in, open(*entry));
      PIER_CHECK(copy_file(in, from, to));
    } else {
      PIER_CHECK(copy_special(from, to, st));
    }
  }
  return {};
}

}  // namespace pier::image
