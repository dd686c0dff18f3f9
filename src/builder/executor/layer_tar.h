// Writing a layer blob: an uncompressed tar (so its digest is also its diff id) into
// the image store through libarchive. Two sources: a RUN step's overlay upper dir,
// whose whiteouts (0:0 char devices) and opaque directories (image::opaque_xattr())
// become `.wh.<name>` and `.wh..wh..opq` entries again, and the files of a COPY/ADD,
// added one by one with the owner and mode the instruction gives them.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <memory>
#include <string>

#include "base/result.h"
#include "image/store/store.h"

namespace pier::builder {

struct LayerBlob {
  std::string digest;  // of the blob == the diff id (uncompressed)
  uint64_t size = 0;
};

class LayerTar {
 public:
  static Result<LayerTar> create(const image::Store& store);
  LayerTar(LayerTar&&) noexcept;
  ~LayerTar();

  // Members, paths relative to the layer root without a leading '/'.
  Status add_dir(const std::string& path, mode_t perm, uid_t uid, gid_t gid, int64_t mtime);
  // Copies `fd` (a regular file, `size` bytes) into the member.
  Status add_file(const std::string& path, int fd, int64_t size, mode_t perm, uid_t uid, gid_t gid, int64_t mtime,
                  const std::string& what);
  Status add_data(const std::string& path, const std::string& data, mode_t perm, uid_t uid, gid_t gid,
                  int64_t mtime);
  Status add_symlink(const std::string& path, const std::string& target, uid_t uid, gid_t gid, int64_t mtime);
  Status add_hardlink(const std::string& path, const std::string& target);
  Status add_special(const std::string& path, const struct stat& st);
  Status add_whiteout(const std::string& path);  // `path` is the removed entry
  Status add_opaque(const std::string& dir);     // "" for the root
  // The whole of an overlay upper dir.
  Status add_upper_dir(const std::string& upper);

  Result<LayerBlob> commit();

  struct Impl;

 private:
  LayerTar() = default;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pier::builder
