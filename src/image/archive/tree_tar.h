// A directory tree that pier does not trust (a container's files) written as a tar
// stream, for `pier cp` and `pier export`. Every lookup goes through sys/in_root.h from
// the tree's root, so a link or a `..` the container planted never leads out of it; only
// regular files are opened, O_NONBLOCK, and read for the size their header gives, so a
// FIFO or a device is written as an entry and never read, and a file that grows while it
// is copied cannot make the stream longer than its header says.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "base/result.h"
#include "image/limits.h"
#include "sys/in_root.h"

struct archive;

namespace pier::image {

class TreeTar {
 public:
  // The stream goes to `fd` (not owned); `what` names it in errors. Regular files
  // together may not exceed `max_bytes`, members `kMaxLayerEntries`.
  static Result<TreeTar> to_fd(int fd, std::string what, uint64_t max_bytes = limits::kMaxLayerBytes);
  TreeTar(TreeTar&&) noexcept;
  TreeTar& operator=(TreeTar&&) noexcept;
  ~TreeTar();

  // Adds `rel` (inside `root`) and, for a directory, everything under it, named
  // `name/...`; an empty `name` adds a directory's children alone (`docker cp dir/.`).
  // `top`: whether a symbolic link at `rel` itself is followed (inside the root); links
  // below it are always written as links.
  Status add_tree(const sys::ContentRoot& root, std::string_view rel, const std::string& name, sys::LastLink top);
  // Leaves out what is mounted below the tree's top (`docker export` is the container's
  // own filesystem): a mount point's directory is written, empty; a file mounted over
  // one of the container's is left out.
  void set_one_file_system(bool on);

  // Writes the end of the archive.
  Status close();

  struct Impl;  // the libarchive writer; public only so its C callback can name it

 private:
  TreeTar() = default;
  Status add(const sys::ContentRoot& root, const std::string& rel, const std::string& name, sys::LastLink last);
  Status add_directory(const sys::ContentRoot& root, const std::string& rel, const std::string& name,
                       const struct stat& st, sys::LastLink last);
  Status add_regular(const sys::ContentRoot& root, const std::string& rel, const std::string& name,
                     sys::LastLink last);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pier::image
