#include "image/layer_view.h"

#include <dirent.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <fmt/format.h>

#include <set>

#include "base/strings.h"
#include "image/overlay_xattr.h"

namespace pier::image {

namespace {

constexpr int kMaxSymlinks = 40;  // as the kernel's path walk

bool is_whiteout(const struct stat& st) { return S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0); }

// Exactly what layer_writer.cpp sets; a layer cannot set overlayfs's attributes itself.
bool is_opaque(const std::string& dir) {
  char v[2] = {};
  return ::lgetxattr(dir.c_str(), opaque_xattr(), v, sizeof v) == 1 && v[0] == 'y';
}

std::string in_layer(const std::string& layer, const std::string& rel) {
  return rel.empty() ? layer : layer + "/" + rel;
}

}  // namespace

std::string LayerView::Entry::host_path() const { return in_layer(layers.front(), rel); }

// The root with its own stat, read only when the root itself is what a walk reached.
// With no layers at all the root holds nothing and is itself nothing.
Result<std::optional<LayerView::Entry>> LayerView::root() const {
  if (layers_.empty()) return std::optional<Entry>();
  Entry e{"", {}, layers_};
  if (::lstat(layers_.front().c_str(), &e.st) != 0) return Error::system("stat", layers_.front(), errno);
  return std::optional<Entry>(std::move(e));
}

// overlayfs's rule: the topmost layer holding `name` decides what it is; a directory
// merges with the same directory in the layers below until one of them is opaque or
// holds something other than a directory there.
std::optional<LayerView::Entry> LayerView::lookup(const Entry& dir, const std::string& name) const {
  const std::string rel = dir.rel.empty() ? name : dir.rel + "/" + name;
  for (size_t i = 0; i < dir.layers.size(); ++i) {
    Entry e{rel, {}, {dir.layers[i]}};
    if (::lstat(e.host_path().c_str(), &e.st) != 0) continue;
    if (is_whiteout(e.st)) return std::nullopt;
    if (!e.is_dir()) return e;
    // `dir.layers` already ends at an opaque directory, so only the new one is checked.
    for (size_t j = i + 1; j < dir.layers.size() && !is_opaque(in_layer(e.layers.back(), rel)); ++j) {
      struct stat lower{};
      if (::lstat(in_layer(dir.layers[j], rel).c_str(), &lower) != 0) continue;
      if (!S_ISDIR(lower.st_mode)) break;
      e.layers.push_back(dir.layers[j]);
    }
    return e;
  }
  return std::nullopt;
}

Result<LayerView::Walk> LayerView::walk(const std::string& path, Last last) const {
  Walk out;  // out.names: the names of the entries in `walked`, one each
  const Entry top{"", {}, layers_};
  std::vector<std::string> pending = split(path, '/');
  std::vector<Entry> walked;  // the directories entered so far; back() is the current one
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
    auto entry = lookup(walked.empty() ? top : walked.back(), name);
    if (!entry) return missing(name);
    const bool more = next < pending.size();
    if (S_ISLNK(entry->st.st_mode) && (more || last == Last::follow)) {
      if (++links > kMaxSymlinks) return Error(fmt::format("too many symbolic links resolving `{}` in the image", path));
      const std::string link = entry->host_path();
      std::string target(static_cast<size_t>(entry->st.st_size) + 1, '\0');
      ssize_t n = ::readlink(link.c_str(), target.data(), target.size());
      if (n < 0) return Error::system("readlink", link, errno);
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
    if (more && !entry->is_dir()) return missing(name);
    walked.push_back(std::move(*entry));
    out.names.push_back(name);
  }
  if (!walked.empty()) out.entry = std::move(walked.back());
  else { PIER_TRY(out.entry, root()); }
  return out;
}

Result<std::optional<LayerView::Entry>> LayerView::resolve(const std::string& path, Last last) const {
  PIER_TRY(Walk w, walk(path, last));
  return std::move(w.entry);
}

Result<std::string> LayerView::real_path(const std::string& path) const {
  PIER_TRY(Walk w, walk(path, Last::follow));
  return "/" + join(w.names, "/");
}

Result<std::vector<std::string>> LayerView::list(const Entry& dir) const {
  std::set<std::string> names;
  for (const auto& layer : dir.layers) {
    const std::string path = in_layer(layer, dir.rel);
    DIR* d = ::opendir(path.c_str());
    if (!d) return Error::system("opendir", path, errno);
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") names.insert(std::move(n));
    }
    ::closedir(d);
  }
  std::vector<std::string> out;
  for (const auto& name : names)
    if (lookup(dir, name)) out.push_back(name);  // else whited out by the topmost layer holding it
  return out;
}

// The entry is opened by its path inside its own layer, and only if it is (still) a
// regular file: a layer changed under the view cannot make pier read elsewhere.
Result<sys::RegularFile> LayerView::open(const Entry& entry) {
  PIER_TRY(sys::ContentRoot root, sys::ContentRoot::open(entry.layers.front()));
  return sys::open_regular_in_root(root, entry.rel, sys::LastLink::refuse);
}

Result<std::string> LayerView::read(const std::string& path, size_t limit) const {
  PIER_TRY(auto entry, resolve(path, Last::follow));
  if (!entry) return std::string();
  // resolve() followed the links through the view: the entry itself is what is read.
  PIER_TRY(sys::ContentRoot root, sys::ContentRoot::open(entry->layers.front()));
  return sys::read_file_in_root(root, entry->rel, limit, sys::LastLink::refuse);
}

}  // namespace pier::image
