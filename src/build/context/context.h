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

namespace pier::build {

// Docker's .dockerignore rules (moby/patternmatcher): one pattern per line, `#`
// comments, `!` exceptions, the last match wins, `**` for any number of directories,
// patterns cleaned as filepath.Clean, a leading `/` ignored.
class IgnoreMatcher {
 public:
  static Result<IgnoreMatcher> parse(std::string_view text, std::string source_name);
  // `rel` is a context-relative path with '/' separators and no leading "./".
  bool ignored(std::string_view rel) const;
  // True when some `!` exception may re-include a path below `dir`, so the walker must
  // descend into an ignored directory.
  bool may_include_below(std::string_view dir) const;
  bool empty() const;

 private:
  struct Pattern;
  std::vector<std::string> patterns_;  // cleaned, without the leading '!'
  std::vector<bool> exclusions_;       // pattern i started with '!'
};

struct ContextEntry {
  std::string rel;   // context-relative path, '/' separated ("src/main.c"); "." for the root
  mode_t mode = 0;   // lstat st_mode (type and permission bits)
};

class BuildContext {
 public:
  // `dir` must be an existing directory. `dockerfile` (absolute) is checked for a
  // `<name>.dockerignore` beside it before `<dir>/.dockerignore`.
  static Result<BuildContext> open(const std::string& dir, const std::string& dockerfile);

  const std::string& dir() const { return dir_; }
  // What one COPY/ADD source brings: a path or a filepath.Match glob relative to the
  // context root (a leading '/' and ".." components cannot leave the context). A
  // directory match brings itself and everything below it that is not ignored, parents
  // before children. No match (or everything ignored) is an error naming the source.
  Result<std::vector<ContextEntry>> resolve(std::string_view source) const;
  // sha256 (hex, "sha256:" prefixed) over each entry's path, type, permission bits,
  // symlink target and file content: equal digests mean COPY would produce the same
  // layer (ownership in the image comes from --chown, not from the context).
  Result<std::string> digest(const std::vector<ContextEntry>& entries) const;
  bool ignored(std::string_view rel) const { return ignore_.ignored(rel); }

 private:
  BuildContext(std::string dir, IgnoreMatcher ignore) : dir_(std::move(dir)), ignore_(std::move(ignore)) {}
  std::string dir_;
  IgnoreMatcher ignore_;
};

}  // namespace pier::build
