// BuildContext: which .dockerignore applies, and what a COPY/ADD source brings. A
// source is resolved component by component from an fd of the context root, symlinks
// followed as if the root were `/` (the walk needs each link's own path, to check it
// against .dockerignore); what is then opened goes through openat2(RESOLVE_IN_ROOT)
// too, so no source can name a file outside the context, whatever its links say.
#include "builder/context/context.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <optional>

#include "base/atomic_file.h"
#include "base/path.h"
#include "base/strings.h"
#include "base/unique_fd.h"
#include "builder/context/glob.h"
#include "image/unpack/in_root.h"

namespace pier::builder {

namespace {

constexpr int kMaxSymlinks = 40;  // Linux's MAXSYMLINKS

std::string join_rel(std::string_view base, std::string_view name) {
  if (base.empty() || base == ".") return std::string(name);
  if (name.empty()) return std::string(base);
  return std::string(base) + "/" + std::string(name);
}

std::deque<std::string> components(std::string_view path) {
  std::deque<std::string> out;
  for (auto& part : split(path, '/'))
    if (!part.empty()) out.push_back(std::move(part));
  return out;
}

Result<std::string> read_link(int root, const std::string& rel) {
  char buf[4096];
  ssize_t n = ::readlinkat(root, rel.c_str(), buf, sizeof buf);
  if (n < 0) return Error::system("readlink", rel, errno);
  return std::string(buf, static_cast<size_t>(n));
}

// The names in a directory of the context, sorted so results never depend on the
// order the filesystem returns them in.
Result<std::vector<std::string>> list_dir(int root, const std::string& rel) {
  auto opened = image::open_in_root(root, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  if (!opened) return Error::system("open directory", rel, opened.error().errnum());
  UniqueFd fd = std::move(opened).value();
  DIR* dir = ::fdopendir(fd.get());
  if (!dir) return Error::system("read directory", rel, errno);
  fd.release();
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* e = ::readdir(dir)) {
    std::string_view name(e->d_name);
    if (name != "." && name != "..") names.emplace_back(name);
  }
  int err = errno;
  ::closedir(dir);
  if (err != 0) return Error::system("read directory", rel, err);
  std::sort(names.begin(), names.end());
  return names;
}

// Collects the entries of one source. `pending` holds ignored directories walked
// into because an exception may re-include something below them: they are emitted,
// parents first, only when something below them is.
class Collector {
 public:
  Collector(const BuildContext& context, int root) : context_(context), root_(root) {}

  Result<std::optional<std::string>> follow(std::string_view rel);
  Status add_match(const std::string& named, const std::string& real);
  Result<std::vector<std::string>> expand_glob(std::string_view pattern);

  std::vector<ContextEntry> entries;
  bool saw_ignored = false;

 private:
  struct Pending {
    ContextEntry entry;
    bool emitted = false;
  };
  Status walk(const std::string& dir, const std::string& match, const std::string& below);
  Status visit(ContextEntry entry, bool is_dir);
  void emit(ContextEntry entry);

  const BuildContext& context_;
  int root_;
  std::vector<Pending> pending_;
};

// Resolves `rel` inside the context: ".." stops at the root, an absolute link target
// starts again from the root. nullopt when a component is missing or when a symlink
// on the way is ignored (it is not part of the context then).
Result<std::optional<std::string>> Collector::follow(std::string_view rel) {
  std::deque<std::string> todo = components(rel);
  std::vector<std::string> done;
  int links = 0;
  while (!todo.empty()) {
    std::string part = std::move(todo.front());
    todo.pop_front();
    if (part == ".") continue;
    if (part == "..") {
      if (!done.empty()) done.pop_back();
      continue;
    }
    std::string candidate = join_rel(join(done, "/"), part);
    struct stat st;
    if (::fstatat(root_, candidate.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) return std::optional<std::string>();
      return Error::system("stat", join_rel(context_.dir(), candidate), errno);
    }
    if (!S_ISLNK(st.st_mode)) {
      done.push_back(std::move(part));
      continue;
    }
    if (context_.ignored(candidate)) {
      saw_ignored = true;
      return std::optional<std::string>();
    }
    if (++links > kMaxSymlinks)
      return Error("`" + std::string(rel) + "`: too many levels of symbolic links in the build context");
    PIER_TRY(std::string target, read_link(root_, candidate));
    if (!target.empty() && target[0] == '/') done.clear();
    auto more = components(target);
    todo.insert(todo.begin(), more.begin(), more.end());
  }
  return std::optional<std::string>(done.empty() ? std::string(".") : join(done, "/"));
}

void Collector::emit(ContextEntry entry) {
  for (auto& p : pending_) {
    if (p.emitted) continue;
    entries.push_back(p.entry);
    p.emitted = true;
  }
  entries.push_back(std::move(entry));
}

Status Collector::visit(ContextEntry entry, bool is_dir) {
  if (S_ISSOCK(entry.mode)) return {};
  if (context_.ignored(entry.rel)) {
    saw_ignored = true;
    if (!is_dir || !context_.ignore().may_include_below(entry.rel)) return {};
    pending_.push_back({entry, false});
    Status walked = walk(entry.rel, entry.match, entry.below);
    pending_.pop_back();
    return walked;
  }
  emit(entry);
  if (is_dir) return walk(entry.rel, entry.match, entry.below);
  return {};
}

Status Collector::walk(const std::string& dir, const std::string& match, const std::string& below) {
  PIER_TRY(auto names, list_dir(root_, dir));
  for (const auto& name : names) {
    ContextEntry entry;
    entry.rel = join_rel(dir, name);
    entry.match = match;
    entry.below = join_rel(below, name);
    struct stat st;
    if (::fstatat(root_, entry.rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;  // removed while we walk
      return Error::system("stat", join_rel(context_.dir(), entry.rel), errno);
    }
    entry.mode = st.st_mode;
    PIER_CHECK(visit(std::move(entry), S_ISDIR(st.st_mode)));
  }
  return {};
}

Status Collector::add_match(const std::string& named, const std::string& real) {
  struct stat st;
  if (::fstatat(root_, real.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    return Error::system("stat", join_rel(context_.dir(), real), errno);
  ContextEntry entry;
  entry.rel = real;
  entry.mode = st.st_mode;
  entry.match = named;
  return visit(std::move(entry), S_ISDIR(st.st_mode));
}

// The named paths a pattern matches, component by component (a `*` never crosses a
// '/'); directories on the way may be symlinks.
Result<std::vector<std::string>> Collector::expand_glob(std::string_view pattern) {
  std::vector<std::string> current = {"."};
  for (const auto& part : components(pattern)) {
    std::vector<std::string> next;
    for (const auto& base : current) {
      if (!detail::has_glob_meta(part)) {
        next.push_back(join_rel(base, detail::glob_unescape(part)));
        continue;
      }
      PIER_TRY(auto real, follow(base));
      struct stat st;
      if (!real || ::fstatat(root_, real->c_str(), &st, 0) != 0 || !S_ISDIR(st.st_mode)) continue;
      PIER_TRY(auto names, list_dir(root_, *real));
      for (const auto& name : names)
        if (detail::glob_match(part, name)) next.push_back(join_rel(base, name));
    }
    current = std::move(next);
  }
  return current;
}

Error no_entries(const BuildContext& context, std::string_view source, bool glob, bool saw_ignored) {
  std::string shown = "`" + std::string(source) + "`";
  Error error = saw_ignored ? Error(shown + " is excluded by `" + context.ignore_file() + "`")
                : glob      ? Error("no file in the build context `" + context.dir() + "` matches " + shown)
                            : Error(shown + " not found in the build context `" + context.dir() + "`");
  if (!saw_ignored && (starts_with(source, "/") || source.find("..") != std::string_view::npos))
    error.hint("sources are relative to the build context; `/` and `..` cannot leave it");
  return error;
}

}  // namespace

Result<BuildContext> BuildContext::open(const std::string& dir, const std::string& dockerfile) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) return Error::system("open the build context", dir, errno);
  if (!S_ISDIR(st.st_mode)) return Error("the build context `" + dir + "` is not a directory");
  std::vector<std::string> candidates;
  if (!dockerfile.empty()) candidates.push_back(dockerfile + ".dockerignore");
  candidates.push_back(join_rel(dir, ".dockerignore"));
  for (const auto& path : candidates) {
    auto text = read_file(path);
    if (!text) {
      if (text.error().errnum() == ENOENT) continue;
      return std::move(text).error();
    }
    PIER_TRY(IgnoreMatcher matcher, IgnoreMatcher::parse(*text, path));
    return BuildContext(dir, std::move(matcher), path);
  }
  return BuildContext(dir, IgnoreMatcher(), "");
}

Result<std::vector<ContextEntry>> BuildContext::resolve(std::string_view source) const {
  // Clean as if rooted: "../x", "/x" and "x" all name the context's x.
  std::string rel = clean_rooted_path(source).substr(1);
  if (rel.empty()) rel = ".";
  UniqueFd root(::open(dir_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return Error::system("open the build context", dir_, errno);
  Collector collector(*this, root.get());
  bool glob = detail::has_glob_meta(rel);
  if (glob) {
    Status valid = detail::check_glob(rel);
    if (!valid) return Error("`" + std::string(source) + "`: " + valid.error().message());
  }
  std::vector<std::string> named = {rel};
  if (glob) {
    PIER_TRY(named, collector.expand_glob(rel));
  }
  for (const auto& name : named) {
    PIER_TRY(auto real, collector.follow(name));
    if (real) PIER_CHECK(collector.add_match(name, *real));
  }
  if (collector.entries.empty()) return no_entries(*this, source, glob, collector.saw_ignored);
  return std::move(collector.entries);
}

}  // namespace pier::builder
