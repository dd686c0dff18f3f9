#include "plan/layer_view.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <fmt/format.h>

#include <set>

#include "base/strings.h"
#include "base/unique_fd.h"
#include "sys/in_root.h"

namespace pier::plan {

namespace {

constexpr int kMaxSymlinks = 40;  // as the kernel's path walk
constexpr int kMaxDepth = 256;    // a deeper image tree is refused rather than recursed

bool is_whiteout(const struct stat& st) { return S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0); }

bool is_opaque(const std::string& dir) {
  char v[2] = {};
  return ::lgetxattr(dir.c_str(), "trusted.overlay.opaque", v, sizeof v) == 1 && v[0] == 'y';
}

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

// overlayfs's rule: the topmost layer holding `name` decides what it is; a directory
// merges with the same directory in the layers below until one of them is opaque or
// holds something other than a directory there.
std::optional<LayerView::Node> LayerView::lookup(const Node& dir, const std::string& name) const {
  for (size_t i = 0; i < dir.paths.size(); ++i) {
    std::string path = dir.paths[i] + "/" + name;
    struct stat st{};
    if (::lstat(path.c_str(), &st) != 0) continue;
    if (is_whiteout(st)) return std::nullopt;
    Node node;
    node.is_dir = S_ISDIR(st.st_mode);
    node.paths.push_back(path);
    if (!node.is_dir) return node;
    // `dir.paths` already ends at an opaque directory, so only the new one is checked.
    for (size_t j = i + 1; j < dir.paths.size() && !is_opaque(node.paths.back()); ++j) {
      std::string lower = dir.paths[j] + "/" + name;
      struct stat lst{};
      if (::lstat(lower.c_str(), &lst) != 0) continue;
      if (!S_ISDIR(lst.st_mode)) break;
      node.paths.push_back(lower);
    }
    return node;
  }
  return std::nullopt;
}

Result<LayerView::Walk> LayerView::walk(const std::string& path) const {
  Node root{true, layers_};
  std::vector<std::string> pending = split(path, '/');
  std::vector<Node> walked;  // the directories entered so far; back() is the current one
  Walk out;                  // out.names: their names, one per entry of `walked`
  int links = 0;
  size_t next = 0;
  // Nothing at `name` (or a non-directory with more to come): the rest stays as written.
  auto missing = [&](const std::string& name) {
    out.names.push_back(name);
    for (size_t i = next; i < pending.size(); ++i) {
      if (pending[i].empty() || pending[i] == ".") continue;
      if (pending[i] != "..") out.names.push_back(pending[i]);
      else if (!out.names.empty()) out.names.pop_back();
    }
    return out;
  };
  while (next < pending.size()) {
    const std::string name = pending[next++];
    if (name.empty() || name == ".") continue;
    if (name == "..") {
      if (!walked.empty()) {
        walked.pop_back();
        out.names.pop_back();
      }
      continue;
    }
    const Node& cur = walked.empty() ? root : walked.back();
    auto node = lookup(cur, name);
    if (!node) return missing(name);
    struct stat st{};
    if (::lstat(node->paths[0].c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
      if (++links > kMaxSymlinks) return Error(fmt::format("too many symbolic links resolving `{}` in the image", path));
      std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
      ssize_t n = ::readlink(node->paths[0].c_str(), target.data(), target.size());
      if (n < 0) return Error::system("readlink", node->paths[0], errno);
      target.resize(static_cast<size_t>(n));
      // The link is read as the container would: absolute targets start at the image's root.
      if (!target.empty() && target[0] == '/') {
        walked.clear();
        out.names.clear();
      }
      std::vector<std::string> rest = split(target, '/');
      rest.insert(rest.end(), pending.begin() + static_cast<std::ptrdiff_t>(next), pending.end());
      pending = std::move(rest);
      next = 0;
      continue;
    }
    if (next < pending.size() && !node->is_dir) return missing(name);
    walked.push_back(std::move(*node));
    out.names.push_back(name);
  }
  out.node = walked.empty() ? root : walked.back();
  return out;
}

Result<std::optional<LayerView::Node>> LayerView::resolve(const std::string& path) const {
  PIER_TRY(Walk w, walk(path));
  return std::move(w.node);
}

Result<std::string> LayerView::real_path(const std::string& path) const {
  PIER_TRY(Walk w, walk(path));
  return "/" + join(w.names, "/");
}

// `path` is one of the layers followed by a path inside it: the file is opened by that
// path resolved inside the layer, and only if it is (still) a regular file.
Result<sys::RegularFile> LayerView::open_file(const std::string& path) const {
  for (const auto& layer : layers_) {
    if (!path.starts_with(layer + "/")) continue;
    PIER_TRY(sys::ContentRoot root, sys::ContentRoot::open(layer));
    return sys::open_regular_in_root(root, path.substr(layer.size() + 1), sys::LastLink::refuse);
  }
  return Error(fmt::format("`{}` is in none of the image's layers", path));
}

Status LayerView::copy_dir(const Node& dir, const std::string& dest) const {
  if (!dir.is_dir || dir.paths.empty()) return Error(fmt::format("copy into `{}`: the image path is not a directory", dest));
  struct stat st{};
  if (::lstat(dir.paths[0].c_str(), &st) != 0) return Error::system("stat", dir.paths[0], errno);
  PIER_CHECK(copy_tree(dir, dest, 0));
  PIER_CHECK(chown_if_permitted(::lchown(dest.c_str(), st.st_uid, st.st_gid), dest));
  if (::chmod(dest.c_str(), st.st_mode & 07777) != 0) return Error::system("chmod", dest, errno);
  return {};
}

Status LayerView::copy_tree(const Node& dir, const std::string& dest, int depth) const {
  if (depth > kMaxDepth) return Error(fmt::format("image tree under `{}` is nested too deeply to copy", dest));
  std::set<std::string> names;
  for (const auto& layer_dir : dir.paths) {
    DIR* d = ::opendir(layer_dir.c_str());
    if (!d) return Error::system("opendir", layer_dir, errno);
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") names.insert(n);
    }
    ::closedir(d);
  }
  for (const auto& name : names) {
    auto node = lookup(dir, name);
    if (!node) continue;  // whited out
    const std::string to = dest + "/" + name;
    struct stat st{};
    if (::lstat(node->paths[0].c_str(), &st) != 0) return Error::system("stat", node->paths[0], errno);
    if (node->is_dir) {
      if (::mkdir(to.c_str(), 0700) != 0) return Error::system("mkdir", to, errno);
      PIER_CHECK(copy_tree(*node, to, depth + 1));
      PIER_CHECK(chown_if_permitted(::lchown(to.c_str(), st.st_uid, st.st_gid), to));
      if (::chmod(to.c_str(), st.st_mode & 07777) != 0) return Error::system("chmod", to, errno);
      const timespec times[2] = {st.st_atim, st.st_mtim};
      ::utimensat(AT_FDCWD, to.c_str(), times, AT_SYMLINK_NOFOLLOW);
    } else if (S_ISREG(st.st_mode)) {
      PIER_TRY(sys::RegularFile in, open_file(node->paths[0]));
      PIER_CHECK(copy_file(in, node->paths[0], to));
    } else {
      PIER_CHECK(copy_special(node->paths[0], to, st));
    }
  }
  return {};
}

}  // namespace pier::plan
