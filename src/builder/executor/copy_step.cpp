#include "builder/executor/copy_step.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <unistd.h>

#include <cerrno>
#include <set>

#include "builder/executor/path_parts.h"
#include "image/unpack/in_root.h"

namespace pier::builder::detail {
namespace {

std::string rel_of(const std::string& abs) { return join_parts(split_clean(abs), 1u << 30); }

std::string base_name(const std::string& path) {
  auto parts = split_clean(path);
  return parts.empty() ? std::string() : parts.back();
}

std::string child(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  if (name.empty()) return dir;
  return dir + "/" + name;
}

bool has_glob(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

// Whether `path` in the stage is a directory, its links followed.
Result<bool> is_dir_in(const image::LayerView& view, const std::string& path) {
  PIER_TRY(auto entry, view.resolve(path));
  return entry && entry->is_dir();
}

// Writes missing parents of `rel` (root-owned 0755, as Docker makes them) once.
class Parents {
 public:
  Parents(LayerTar& tar, const image::LayerView& view) : tar_(tar), view_(view) {}
  Status ensure(const std::string& rel) {
    auto parts = split_clean(rel);
    for (size_t k = 1; k < parts.size(); ++k) {
      std::string p = join_parts(parts, k);
      if (done_.count(p)) continue;
      done_.insert(p);
      PIER_TRY(bool is_dir, is_dir_in(view_, p));
      if (is_dir) continue;
      PIER_CHECK(tar_.add_dir(p, 0755, 0, 0, 0));
    }
    return {};
  }
  void made(const std::string& rel) { done_.insert(rel); }

 private:
  LayerTar& tar_;
  const image::LayerView& view_;
  std::set<std::string> done_;
};

mode_t perm_for(const CopySpec& spec, mode_t mode) {
  if (spec.command->chmod) return *spec.command->chmod;
  return mode & 07777;
}

std::pair<uid_t, gid_t> owner_for(const CopySpec& spec, uid_t uid, gid_t gid) {
  if (spec.owner) return *spec.owner;
  return {uid, gid};
}

// ADD of a local archive: unpack its members below `dest_rel`. Owners as archived.
Result<bool> try_extract(LayerTar& tar, Parents& parents, int fd, const std::string& dest_rel, const std::string& what) {
  archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  archive_read_support_format_gnutar(a);
  struct Free { archive* a; ~Free() { archive_read_free(a); } } guard{a};
  if (archive_read_open_fd(a, fd, 1 << 16) != ARCHIVE_OK) return false;
  archive_entry* e = nullptr;
  int r = archive_read_next_header(a, &e);
  if (r != ARCHIVE_OK) return false;  // not an archive: copied as a file
  PIER_CHECK(parents.ensure(dest_rel + "/x"));
  for (; r == ARCHIVE_OK; r = archive_read_next_header(a, &e)) {
    auto parts = split_clean(archive_entry_pathname(e));
    std::string name = child(dest_rel, join_parts(parts, parts.size()));
    if (parts.empty()) continue;
    mode_t type = archive_entry_filetype(e);
    uid_t uid = static_cast<uid_t>(archive_entry_uid(e));
    gid_t gid = static_cast<gid_t>(archive_entry_gid(e));
    int64_t mtime = archive_entry_mtime(e);
    mode_t perm = archive_entry_perm(e);
    if (const char* hl = archive_entry_hardlink(e)) {
      auto hp = split_clean(hl);
      PIER_CHECK(tar.add_hardlink(name, child(dest_rel, join_parts(hp, hp.size()))));
    } else if (type == AE_IFDIR) {
      PIER_CHECK(tar.add_dir(name, perm, uid, gid, mtime));
    } else if (type == AE_IFLNK) {
      PIER_CHECK(tar.add_symlink(name, archive_entry_symlink(e) ? archive_entry_symlink(e) : "", uid, gid, mtime));
    } else if (type == AE_IFREG) {
      std::string data;
      char buf[65536];
      la_ssize_t n;
      while ((n = archive_read_data(a, buf, sizeof buf)) > 0) data.append(buf, static_cast<size_t>(n));
      if (n < 0) return Error("ADD " + what + ": " + archive_error_string(a));
      PIER_CHECK(tar.add_data(name, data, perm, uid, gid, mtime));
    }
  }
  if (r != ARCHIVE_EOF) return Error("ADD " + what + ": " + archive_error_string(a));
  return true;
}

Status copy_context(LayerTar& tar, Parents& parents, const CopySpec& spec, bool dest_is_dir) {
  const std::string dest_rel = rel_of(spec.dest);
  UniqueFd root(::open(spec.context->dir().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return Error::system("open", spec.context->dir(), errno);
  for (const auto& entries : spec.context_entries) {
    std::set<std::string> dir_matches;
    for (const auto& e : entries)
      if (e.below.empty() && S_ISDIR(e.mode)) dir_matches.insert(e.match);
    for (const auto& e : entries) {
      std::string target;
      if (dir_matches.count(e.match)) target = child(dest_rel, e.below);  // a directory's contents
      else target = dest_is_dir ? child(dest_rel, base_name(e.match)) : dest_rel;
      std::string where = spec.context->dir() + "/" + e.rel;
      struct stat st {};
      if (::fstatat(root.get(), e.rel == "." ? "" : e.rel.c_str(), &st, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0)
        return Error::system("stat", where, errno);
      auto [uid, gid] = owner_for(spec, 0, 0);
      if (S_ISDIR(st.st_mode)) {
        if (target.empty()) continue;  // the root itself
        PIER_CHECK(parents.ensure(target));
        PIER_CHECK(tar.add_dir(target, perm_for(spec, st.st_mode), uid, gid, st.st_mtim.tv_sec));
        parents.made(target);
      } else if (S_ISLNK(st.st_mode)) {
        char buf[4096];
        ssize_t n = ::readlinkat(root.get(), e.rel.c_str(), buf, sizeof buf);
        if (n < 0) return Error::system("readlink", where, errno);
        PIER_CHECK(parents.ensure(target));
        PIER_CHECK(tar.add_symlink(target, std::string(buf, static_cast<size_t>(n)), uid, gid, st.st_mtim.tv_sec));
      } else if (S_ISREG(st.st_mode)) {
        auto opened = image::open_in_root(root.get(), e.rel, O_RDONLY | O_NOFOLLOW);
        if (!opened) return Error::system("open", where, opened.error().errnum());
        UniqueFd fd = std::move(opened).value();
        PIER_CHECK(parents.ensure(target));
        if (spec.command->add && !dir_matches.count(e.match) && spec.command->unpack.value_or(true)) {
          PIER_TRY(bool extracted, try_extract(tar, parents, fd.get(), dest_is_dir ? dest_rel : target, e.match));
          if (extracted) continue;
          ::lseek(fd.get(), 0, SEEK_SET);
        }
        PIER_CHECK(tar.add_file(target, fd.get(), st.st_size, perm_for(spec, st.st_mode), uid, gid, st.st_mtim.tv_sec,
                                where));
      } else if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
        struct stat copy = st;
        copy.st_uid = uid;
        copy.st_gid = gid;
        PIER_CHECK(parents.ensure(target));
        PIER_CHECK(tar.add_special(target, copy));
      }
    }
  }
  return {};
}

Status copy_view_entry(LayerTar& tar, Parents& parents, const CopySpec& spec, const std::string& src,
                       const std::string& target, int depth) {
  if (depth > 256) return Error(spec.where + ": " + src + ": too deep");
  // A named source is followed, as Docker does; what is below it is copied as it is.
  using Last = image::LayerView::Last;
  PIER_TRY(auto e, spec.from->resolve(src, depth == 0 ? Last::follow : Last::keep));
  if (!e) return Error(spec.where + ": " + src + ": not found in the source stage");
  const struct stat& st = e->st;
  auto [uid, gid] = owner_for(spec, st.st_uid, st.st_gid);
  if (S_ISDIR(st.st_mode)) {
    if (!target.empty()) {
      PIER_CHECK(parents.ensure(target));
      PIER_CHECK(tar.add_dir(target, perm_for(spec, st.st_mode), uid, gid, st.st_mtim.tv_sec));
      parents.made(target);
    }
    PIER_TRY(std::vector<std::string> names, spec.from->list(*e));
    for (const auto& name : names)
      PIER_CHECK(copy_view_entry(tar, parents, spec, src + "/" + name, child(target, name), depth + 1));
    return {};
  }
  PIER_CHECK(parents.ensure(target));
  if (S_ISLNK(st.st_mode)) {
    char buf[4096];
    const std::string link = e->host_path();
    ssize_t n = ::readlink(link.c_str(), buf, sizeof buf);
    if (n < 0) return Error::system("readlink", link, errno);
    return tar.add_symlink(target, std::string(buf, static_cast<size_t>(n)), uid, gid, st.st_mtim.tv_sec);
  }
  if (S_ISREG(st.st_mode)) {
    PIER_TRY(sys::RegularFile file, image::LayerView::open(*e));
    return tar.add_file(target, file.fd.get(), file.st.st_size, perm_for(spec, st.st_mode), uid, gid, st.st_mtim.tv_sec,
                        e->host_path());
  }
  struct stat copy = st;
  copy.st_uid = uid;
  copy.st_gid = gid;
  return tar.add_special(target, copy);
}

}  // namespace

Result<std::vector<std::string>> resolve_view_sources(const image::LayerView& view,
                                                      const std::vector<std::string>& sources, const std::string& where) {
  std::vector<std::string> out;
  for (const auto& source : sources) {
    auto parts = split_clean(source);
    std::string dir = "/" + join_parts(parts, parts.empty() ? 0 : parts.size() - 1);
    if (!parts.empty() && has_glob(parts.back())) {
      size_t before = out.size();
      PIER_TRY(auto parent, view.resolve(dir));
      std::vector<std::string> names;
      if (parent && parent->is_dir()) { PIER_TRY(names, view.list(*parent)); }
      for (const auto& name : names)
        if (::fnmatch(parts.back().c_str(), name.c_str(), FNM_PERIOD) == 0)
          out.push_back(dir == "/" ? "/" + name : dir + "/" + name);
      if (out.size() == before) return Error(where + ": no source files were specified: `" + source + "` matches nothing");
      continue;
    }
    std::string path = "/" + join_parts(parts, parts.size());
    PIER_TRY(auto entry, view.resolve(path));
    if (!entry) return Error(where + ": `" + source + "`: not found");
    out.push_back(path);
  }
  return out;
}

Status write_copy_layer(LayerTar& tar, const CopySpec& spec) {
  const CopyCommand& cmd = *spec.command;
  Parents parents(tar, *spec.dest_view);
  const std::string dest_rel = rel_of(spec.dest);
  size_t count = cmd.heredocs.size() + spec.remote.size();
  for (const auto& list : spec.context_entries) {
    std::set<std::string> matches;
    for (const auto& e : list) matches.insert(e.match);
    count += matches.size();
  }
  std::vector<std::string> view_sources;
  if (spec.from) {
    PIER_TRY(view_sources, resolve_view_sources(*spec.from, cmd.sources, spec.where));
    count += view_sources.size();
  }
  bool dest_is_dir = spec.dest.ends_with("/") || count > 1 || spec.dest == "/";
  if (!dest_is_dir) { PIER_TRY(dest_is_dir, is_dir_in(*spec.dest_view, spec.dest)); }
  if (count > 1 && !spec.dest.ends_with("/") && spec.dest != "/") {
    PIER_TRY(bool existing_dir, is_dir_in(*spec.dest_view, spec.dest));
    if (!existing_dir)
      return Error(spec.where + ": when using COPY with more than one source file, the destination must be a "
                                "directory and end with a /");
  }
  // A directory source (or several) is copied into dest, created as a directory.
  bool any_dir_source = false;
  for (const auto& list : spec.context_entries)
    for (const auto& e : list)
      if (e.below.empty() && S_ISDIR(e.mode)) any_dir_source = true;
  for (const auto& s : view_sources) {
    PIER_TRY(bool is_dir, is_dir_in(*spec.from, s));
    if (is_dir) any_dir_source = true;
  }
  if ((dest_is_dir || any_dir_source) && !dest_rel.empty()) {
    PIER_TRY(bool existing_dir, is_dir_in(*spec.dest_view, spec.dest));
    if (!existing_dir) {
      PIER_CHECK(parents.ensure(dest_rel));
      auto [uid, gid] = owner_for(spec, 0, 0);
      PIER_CHECK(tar.add_dir(dest_rel, 0755, uid, gid, 0));
      parents.made(dest_rel);
    }
  }
  for (const auto& h : cmd.heredocs) {
    std::string target = dest_is_dir ? child(dest_rel, h.name) : dest_rel;
    auto [uid, gid] = owner_for(spec, 0, 0);
    PIER_CHECK(parents.ensure(target));
    PIER_CHECK(tar.add_data(target, h.content, cmd.chmod.value_or(0644), uid, gid, 0));
  }
  if (spec.context) PIER_CHECK(copy_context(tar, parents, spec, dest_is_dir));
  for (const auto& r : spec.remote) {
    // Docker: mode 0600 unless --chmod, root-owned unless --chown, dated Last-Modified.
    std::string target = dest_is_dir ? child(dest_rel, r.name) : dest_rel;
    auto [uid, gid] = owner_for(spec, 0, 0);
    UniqueFd fd(::open(r.path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return Error::system("open", r.path, errno);
    PIER_CHECK(parents.ensure(target));
    if (cmd.unpack.value_or(false)) {
      PIER_TRY(bool extracted, try_extract(tar, parents, fd.get(), dest_is_dir ? dest_rel : target, r.url));
      if (extracted) continue;
      ::lseek(fd.get(), 0, SEEK_SET);
    }
    PIER_CHECK(tar.add_file(target, fd.get(), r.size, cmd.chmod.value_or(0600), uid, gid, r.mtime, r.url));
  }
  for (const auto& src : view_sources) {
    PIER_TRY(auto e, spec.from->resolve(src));
    bool is_dir = e && e->is_dir();
    std::string target = is_dir ? dest_rel : dest_is_dir ? child(dest_rel, base_name(src)) : dest_rel;
    if (is_dir) {
      PIER_TRY(std::vector<std::string> names, spec.from->list(*e));
      for (const auto& name : names)
        PIER_CHECK(copy_view_entry(tar, parents, spec, src + "/" + name, child(target, name), 1));
    } else {
      PIER_CHECK(copy_view_entry(tar, parents, spec, src, target, 0));
    }
  }
  return {};
}

}  // namespace pier::builder::detail
