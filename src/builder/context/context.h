// The build context: the directory `build.context` names, seen through its
// .dockerignore (or `<Dockerfile>.dockerignore` beside the Dockerfile). COPY and ADD
// ask it which files a source pattern brings and what their content digest is, so the
// layer cache can tell a changed file from an unchanged one.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "builder/context/ignore_pattern.h"

namespace pier::builder {

// Docker's .dockerignore rules (moby/patternmatcher): one pattern per line, `#`
// comments, `!` exceptions, the last match wins, `**` for any number of directories,
// patterns cleaned as filepath.Clean, a leading `/` ignored. A path is ignored when a
// pattern matches it or one of its parent directories.
//
// The Dockerfile and the .dockerignore may themselves be ignored: that only keeps
// them out of COPY and ADD, the builder still reads them (as Docker's does).
class IgnoreMatcher {
 public:
  static Result<IgnoreMatcher> parse(std::string_view text, std::string source_name);
  // `rel` is a context-relative path with '/' separators and no leading "./".
  bool ignored(std::string_view rel) const;
  // True when some `!` exception may re-include a path below `dir`, so the walker must
  // descend into an ignored directory (BuildKit's rule: any exception with a wildcard,
  // or one naming a path under `dir`).
  bool may_include_below(std::string_view dir) const;
  bool empty() const { return patterns_.empty(); }

 private:
  std::vector<detail::IgnorePattern> patterns_;  // in file order
  bool has_exceptions_ = false;
  bool exceptions_are_paths_ = true;  // no `!` pattern has a wildcard
};

struct ContextEntry {
  std::string rel;   // context-relative path, '/' separated ("src/main.c"); "." for the root
  mode_t mode = 0;   // lstat st_mode (type and permission bits)
  // The match this entry belongs to, as the source named it ("src", "*.txt" -> "a.txt"),
  // and the entry's path below it ("" for the match itself, "sub/x.c" inside a
  // matched directory). A match that is a symlink is followed (inside the context) as
  // Docker does, so `rel` is then its target while `match` keeps the link's name;
  // symlinks below a match are entries of their own, copied as links.
  std::string match;
  std::string below;
};

class BuildContext {
 public:
  // `dir` must be an existing directory. `dockerfile` (absolute) is checked for a
  // `<name>.dockerignore` beside it before `<dir>/.dockerignore`.
  static Result<BuildContext> open(const std::string& dir, const std::string& dockerfile);

  const std::string& dir() const { return dir_; }
  // What one COPY/ADD source brings: a path or a filepath.Match glob relative to the
  // context root (a leading '/' and ".." components cannot leave the context, and
  // symlinks resolve inside it). A directory match brings itself and everything below
  // it that is not ignored, parents before children, names sorted. No match (or
  // everything ignored) is an error naming the source. Sockets are skipped.
  Result<std::vector<ContextEntry>> resolve(std::string_view source) const;
  // sha256 (hex, "sha256:" prefixed) over each entry's path (match and below), type,
  // permission bits, symlink target and file content, in the order given: equal
  // digests mean COPY would produce the same layer (ownership in the image comes from
  // --chown, not from the context; mtimes are not part of it).
  Result<std::string> digest(const std::vector<ContextEntry>& entries) const;
  bool ignored(std::string_view rel) const { return ignore_.ignored(rel); }
  const IgnoreMatcher& ignore() const { return ignore_; }
  // The ignore file in use ("" when there is none).
  const std::string& ignore_file() const { return ignore_file_; }

 private:
  BuildContext(std::string dir, IgnoreMatcher ignore, std::string ignore_file)
      : dir_(std::move(dir)), ignore_(std::move(ignore)), ignore_file_(std::move(ignore_file)) {}
  std::string dir_;
  IgnoreMatcher ignore_;
  std::string ignore_file_;
};

}  // namespace pier::builder
