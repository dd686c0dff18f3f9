// An image's layers read as overlayfs would merge them, without mounting anything (so
// it runs unprivileged and needs no mount namespace). Used to copy the image's content
// at a volume's mount point into a new volume, as Docker does on first use.
//
// Layers are pier's unpacked layer dirs, topmost first. A whiteout is a 0:0 character
// device; a directory marked trusted.overlay.opaque=y hides the layers below it
// (image/unpack/layer_writer.cpp writes both).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "sys/in_root.h"

namespace pier::plan {

class LayerView {
 public:
  // One entry of the merged tree: a directory is the stack of layer directories that
  // make it (topmost first); anything else is the one host path that shows through.
  struct Node {
    bool is_dir = false;
    std::vector<std::string> paths;
  };

  explicit LayerView(std::vector<std::string> layers) : layers_(std::move(layers)) {}

  // `path` (absolute, as the container sees it) with the image's symlinks followed
  // inside the image, never out of it. nullopt when nothing is there.
  Result<std::optional<Node>> resolve(const std::string& path) const;
  // The absolute path `path` reaches in the container, following the image's symlinks
  // as resolve() does; what follows a missing component is kept as written.
  Result<std::string> real_path(const std::string& path) const;
  // Copies the merged directory `dir` into `dest` (an existing, empty directory pier
  // created): files, directories, symlinks, fifos and device nodes with their mode,
  // owner and modification time. `dest` itself takes the mode and owner of `dir`.
  Status copy_dir(const Node& dir, const std::string& dest) const;

 private:
  struct Walk {
    std::optional<Node> node;        // what is at the path, nullopt when nothing is
    std::vector<std::string> names;  // the components of the path reached
  };
  Result<Walk> walk(const std::string& path) const;
  std::optional<Node> lookup(const Node& dir, const std::string& name) const;
  Status copy_tree(const Node& dir, const std::string& dest, int depth) const;
  Result<sys::RegularFile> open_file(const std::string& path) const;

  std::vector<std::string> layers_;
};

}  // namespace pier::plan
