// An image's layers read as overlayfs would merge them, without mounting anything (so
// it runs unprivileged and needs no mount namespace). This is the one reader of the
// format image/unpack/layer_writer.cpp writes: layers are pier's unpacked layer dirs,
// topmost first; a whiteout is a 0:0 character device; a directory marked
// trusted.overlay.opaque=y (user.overlay.opaque rootless) hides the same directory in the layers below it.
//
// The planner reads an image through it (a volume's first content, where an image
// VOLUME really is) and so does the builder (COPY --from sources, COPY destinations,
// /etc/passwd for --chown). The layers' content is hostile (design rule 8): links are
// followed inside the view, never out of it, and files are opened only through
// sys/in_root.h, as regular files, without blocking.
#pragma once

#include <sys/stat.h>

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "sys/in_root.h"

namespace pier::image {

class LayerView {
 public:
  // One entry of the merged tree.
  struct Entry {
    std::string rel;     // its path inside the layers, links resolved; "" for the root
    struct stat st {};   // the topmost copy's own (lstat): the one that shows
    // The layer dirs that hold it, topmost first: a directory merges the same directory
    // of several layers (down to an opaque one); anything else is the one copy that
    // shows through.
    std::vector<std::string> layers;

    bool is_dir() const { return S_ISDIR(st.st_mode); }
    // The topmost copy on the host: for reading a link and for messages.
    std::string host_path() const;
  };

  // Whether the last component of a path is followed when it is a link (the parents
  // always are): `keep` for the entry itself, as lstat sees it.
  enum class Last { follow, keep };

  explicit LayerView(std::vector<std::string> layers) : layers_(std::move(layers)) {}

  // `path` (absolute, or relative to the root, as the container sees it) with the
  // image's links followed inside the image, never out of it. nullopt when nothing is
  // there (or no layers at all); an error for a link loop.
  Result<std::optional<Entry>> resolve(const std::string& path, Last last = Last::follow) const;
  // The absolute path `path` reaches in the container, following the image's links as
  // resolve() does; what follows a missing component is kept as written.
  Result<std::string> real_path(const std::string& path) const;
  // The names in the merged directory `dir`, sorted, whited-out ones left out.
  Result<std::vector<std::string>> list(const Entry& dir) const;
  // The content of the file at `path` (links followed), "" when nothing is there; an
  // error when it is not a regular file or is larger than `limit` bytes.
  Result<std::string> read(const std::string& path, size_t limit) const;
  // The regular file `entry` opened for reading (O_NONBLOCK), resolved inside its layer;
  // an error for anything else, also when the layer changed under it.
  static Result<sys::RegularFile> open(const Entry& entry);
  // Copies the merged directory `dir` into `dest` (an existing, empty directory pier
  // created): files, directories, symlinks, fifos and device nodes with their mode,
  // owner and modification time. `dest` itself takes the mode and owner of `dir`.
  Status copy_dir(const Entry& dir, const std::string& dest) const;

 private:
  struct Walk {
    std::optional<Entry> entry;      // what is at the path, nullopt when nothing is
    std::vector<std::string> names;  // the components of the path reached
  };
  Result<Walk> walk(const std::string& path, Last last) const;
  Result<std::optional<Entry>> root() const;
  std::optional<Entry> lookup(const Entry& dir, const std::string& name) const;
  Status copy_tree(const Entry& dir, const std::string& dest, int depth) const;

  std::vector<std::string> layers_;
};

}  // namespace pier::image
