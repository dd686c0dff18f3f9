// Applies tar members to a layer directory. Each member's parent is resolved in
// the layer (openat2 RESOLVE_IN_ROOT); the member itself is then created with
// *at() calls relative to that parent fd, never by a path from the root.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

struct archive;
struct archive_entry;

namespace pier::image {

class LayerWriter {
 public:
  // What a `.wh.` member means: an OCI whiteout in a layer, a plain name in what a user
  // copies (`pier cp`), where no lower layer exists to hide.
  enum class Whiteouts { apply, as_names };
  // `max_bytes`: what all regular files together may occupy (see admit_bytes).
  LayerWriter(UniqueFd root, uint64_t max_bytes, Whiteouts whiteouts = Whiteouts::apply);
  Status apply(archive* reader, archive_entry* entry);
  // Directory times are set last: creating children changes a directory's mtime.
  Status finish();

 private:
  struct Target {
    UniqueFd parent;
    std::string name;
    std::string rel;  // for messages
  };
  struct DirTimes {
    std::vector<std::string> parts;
    struct timespec times[2];
  };

  Result<Target> open_parent(const std::vector<std::string>& parts);
  Status apply_whiteout(const std::vector<std::string>& parts, const std::string& name);
  Status clear_for(const Target& t, mode_t type);
  Result<uint64_t> admit_bytes(archive_entry* entry, const std::string& rel);
  Status write_regular(archive* reader, archive_entry* entry, const Target& t);
  Status make_directory(archive_entry* entry, const Target& t, const std::vector<std::string>& parts);
  Status make_hardlink(archive_entry* entry, const Target& t);
  Status make_special(archive_entry* entry, const Target& t);
  Status set_metadata_fd(int fd, archive_entry* entry, const std::string& rel);

  UniqueFd root_;
  Whiteouts whiteouts_;
  bool is_root_user_;
  uint64_t max_bytes_;
  uint64_t bytes_ = 0;  // admitted so far
  std::string cached_parent_rel_;
  UniqueFd cached_parent_;
  std::vector<DirTimes> dir_times_;
};

}  // namespace pier::image
