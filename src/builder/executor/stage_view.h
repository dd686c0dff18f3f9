// A read-only view of a stage's filesystem through its layer dirs (topmost first), as
// overlayfs would merge them: a whiteout hides what is below, an opaque directory
// hides the lower directories of the same path. Used where a build reads a stage's
// files on the host: COPY --from sources, whether a COPY destination exists and is a
// directory, and /etc/passwd for --chown.
#pragma once

#include <sys/stat.h>

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "sys/in_root.h"

namespace pier::builder {

struct ViewEntry {
  std::string host_path;  // where the entry lives (in one layer dir)
  std::string layer;      // that layer dir
  std::string rel;        // the entry's path inside it
  struct stat st {};
};

class StageView {
 public:
  explicit StageView(std::vector<std::string> layers) : layers_(std::move(layers)) {}
  // `path` absolute or relative to the root; symlinks in the parents are followed
  // inside the view (the last component only with `follow`).
  std::optional<ViewEntry> lookup(const std::string& path, bool follow = false) const;
  // Names in a directory, merged across layers, sorted; whiteouts removed.
  std::vector<std::string> list(const std::string& dir) const;
  // File content ("" when missing), e.g. "etc/passwd"; an error when it is not a
  // regular file or larger than `limit`.
  Result<std::string> read(const std::string& path, size_t limit) const;
  // The regular file `entry` (from lookup) opened for reading, resolved inside its layer.
  static Result<sys::RegularFile> open(const ViewEntry& entry);

 private:
  std::optional<ViewEntry> walk(const std::vector<std::string>& parts, bool follow, int depth) const;
  // The layers that hold `parts` as a directory, topmost first, stopping at an opaque one.
  std::vector<size_t> dir_layers(const std::vector<std::string>& parts) const;
  std::vector<std::string> layers_;
};

// "/a/./b//c/" -> {"a", "b", "c"}; ".." pops (never above the root).
std::vector<std::string> split_clean(const std::string& path);
std::string join_parts(const std::vector<std::string>& parts, size_t count);

}  // namespace pier::builder
