#include "builder/executor/stage_view.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <set>

namespace pier::builder {

std::vector<std::string> split_clean(const std::string& path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    std::string p = path.substr(i, j - i);
    if (p == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!p.empty() && p != ".") {
      parts.push_back(std::move(p));
    }
    i = j + 1;
  }
  return parts;
}

std::string join_parts(const std::vector<std::string>& parts, size_t count) {
  std::string out;
  for (size_t i = 0; i < count && i < parts.size(); ++i) {
    if (i) out += '/';
    out += parts[i];
  }
  return out;
}

namespace {

bool whiteout(const struct stat& st) { return S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0); }

bool opaque(const std::string& dir) {
  char v[4] = {};
  ssize_t n = ::lgetxattr(dir.c_str(), "trusted.overlay.opaque", v, sizeof v);
  return n >= 1 && (v[0] == 'y' || v[0] == 'x');
}

std::string in_layer(const std::string& layer, const std::string& rel) {
  return rel.empty() ? layer : layer + "/" + rel;
}

}  // namespace

std::vector<size_t> StageView::dir_layers(const std::vector<std::string>& parts) const {
  std::vector<size_t> active;
  for (size_t i = 0; i < layers_.size(); ++i) active.push_back(i);
  for (size_t k = 0; k < parts.size(); ++k) {
    std::string rel = join_parts(parts, k + 1);
    std::vector<size_t> next;
    for (size_t idx : active) {
      struct stat st {};
      std::string p = in_layer(layers_[idx], rel);
      if (::lstat(p.c_str(), &st) != 0) continue;
      if (!S_ISDIR(st.st_mode)) break;  // a file or whiteout hides lower layers
      next.push_back(idx);
      if (opaque(p)) break;
    }
    active = std::move(next);
    if (active.empty()) break;
  }
  return active;
}

std::optional<ViewEntry> StageView::walk(const std::vector<std::string>& parts, bool follow, int depth) const {
  if (depth > 40) return std::nullopt;
  if (parts.empty()) {
    if (layers_.empty()) return std::nullopt;
    ViewEntry e;
    e.host_path = layers_.front();
    e.layer = layers_.front();
    e.rel = ".";
    if (::stat(e.host_path.c_str(), &e.st) != 0) return std::nullopt;
    return e;
  }
  // Parents first: follow a symlinked parent inside the view.
  for (size_t k = 0; k + 1 < parts.size(); ++k) {
    std::vector<std::string> prefix(parts.begin(), parts.begin() + static_cast<long>(k) + 1);
    auto parent = walk(prefix, false, depth + 1);
    if (!parent) return std::nullopt;
    if (S_ISLNK(parent->st.st_mode)) {
      char buf[4096];
      ssize_t n = ::readlink(parent->host_path.c_str(), buf, sizeof buf);
      if (n < 0) return std::nullopt;
      std::string target(buf, static_cast<size_t>(n));
      std::string base = target.starts_with("/") ? "" : join_parts(parts, k);
      std::string rest = join_parts(std::vector<std::string>(parts.begin() + static_cast<long>(k) + 1, parts.end()),
                                    parts.size());
      return walk(split_clean(base + "/" + target + "/" + rest), follow, depth + 1);
    }
    if (!S_ISDIR(parent->st.st_mode)) return std::nullopt;
  }
  std::vector<std::string> parent(parts.begin(), parts.end() - 1);
  std::string rel = join_parts(parts, parts.size());
  for (size_t idx : dir_layers(parent)) {
    ViewEntry e;
    e.host_path = in_layer(layers_[idx], rel);
    e.layer = layers_[idx];
    e.rel = rel;
    if (::lstat(e.host_path.c_str(), &e.st) != 0) continue;
    if (whiteout(e.st)) return std::nullopt;
    if (follow && S_ISLNK(e.st.st_mode)) {
      char buf[4096];
      ssize_t n = ::readlink(e.host_path.c_str(), buf, sizeof buf);
      if (n < 0) return std::nullopt;
      std::string target(buf, static_cast<size_t>(n));
      std::string base = target.starts_with("/") ? "" : join_parts(parent, parent.size());
      return walk(split_clean(base + "/" + target), true, depth + 1);
    }
    return e;
  }
  return std::nullopt;
}

std::optional<ViewEntry> StageView::lookup(const std::string& path, bool follow) const {
  return walk(split_clean(path), follow, 0);
}

std::vector<std::string> StageView::list(const std::string& dir) const {
  auto parts = split_clean(dir);
  std::set<std::string> names, hidden;
  for (size_t idx : dir_layers(parts)) {
    std::string p = in_layer(layers_[idx], join_parts(parts, parts.size()));
    DIR* d = ::opendir(p.c_str());
    if (!d) continue;
    while (auto* ent = ::readdir(d)) {
      std::string n = ent->d_name;
      if (n == "." || n == ".." || hidden.count(n) || names.count(n)) continue;
      struct stat st {};
      if (::fstatat(::dirfd(d), n.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      if (whiteout(st)) hidden.insert(n);
      else names.insert(n);
    }
    ::closedir(d);
  }
  return {names.begin(), names.end()};
}

Result<std::string> StageView::read(const std::string& path, size_t limit) const {
  auto e = lookup(path, true);
  if (!e) return std::string();
  // lookup followed the links through the view: the entry itself is what is read.
  PIER_TRY(sys::ContentRoot root, sys::ContentRoot::open(e->layer));
  return sys::read_file_in_root(root, e->rel, limit, sys::LastLink::refuse);
}

Result<sys::RegularFile> StageView::open(const ViewEntry& entry) {
  PIER_TRY(sys::ContentRoot root, sys::ContentRoot::open(entry.layer));
  return sys::open_regular_in_root(root, entry.rel, sys::LastLink::refuse);
}

}  // namespace pier::builder
