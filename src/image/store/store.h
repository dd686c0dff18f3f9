// The local image store under `<root>/images`:
//
//   blobs/sha256/<hex>     content-addressed manifests, configs and layer blobs
//   layers/<chain hex>/    unpacked layers keyed by chain id, shared by images
//       root/              the layer's files (an overlayfs lowerdir)
//   index.json             OCI image index: one entry per name (tag or digest ref)
//   tmp/                   partial blobs and layers; never visible as content
//   gc.lock, index.lock    flock files
//
// Writers of content (pull, load, import) hold gc.lock shared for their whole
// run, GC holds it exclusive, so GC never deletes what a writer is adding.
// index.json is rewritten atomically under index.lock; an image becomes visible
// only after all its blobs and layers are committed.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "image/image_config.h"
#include "image/limits.h"
#include "image/oci.h"
#include "image/reference.h"
#include "image/store/blob_writer.h"
#include "base/file_lock.h"
#include "image/unpack/layer_unpacker.h"

namespace pier::image {

struct ImageRecord {
  std::string name;            // "docker.io/library/busybox:latest" (or name@digest)
  std::string manifest_digest; // the platform manifest stored for this name
  std::string media_type;      // of that manifest
  int64_t manifest_size = 0;
  std::string id;              // config digest, as Docker's image ID
  std::string repo_digest;     // digest the registry knows (the index's for multi-arch)
  std::string platform;        // "linux/amd64"
  int64_t updated_at = 0;      // unix seconds of the last pull/load/import
};

// What the runtime and supervisor need to start a container from an image.
struct ResolvedImage {
  ImageRecord record;
  ImageConfig config;
  // Read-only layer roots, topmost first, lowest last: the order of overlayfs's lowerdir.
  std::vector<std::string> layer_dirs;
};

struct GcStats {
  int blobs_removed = 0;
  int layers_removed = 0;
  uint64_t bytes_freed = 0;
};

class Store {
 public:
  // Opens (creating if needed) `<pier_root>/images`.
  static Result<Store> open(const std::string& pier_root);

  const std::string& dir() const { return dir_; }
  std::string blob_path(std::string_view digest) const;
  bool has_blob(std::string_view digest) const;
  // A manifest, index or config, read whole into memory: refused when the blob
  // is over `max_bytes` (image/limits.h).
  Result<std::string> read_blob(std::string_view digest, uint64_t max_bytes = limits::kMaxConfigBytes) const;
  Result<uint64_t> blob_size(std::string_view digest) const;
  Result<BlobWriter> new_blob() const;
  Result<std::string> put_blob(std::string_view data, std::string_view expected = {}) const;

  std::string layer_root(std::string_view chain_id) const;
  bool has_layer(std::string_view chain_id) const;
  // Unpacks a layer blob into layers/<chain id>, the chain id computed from
  // `parent_chain` (empty for a base layer) and the layer's diff id. When
  // `expected_diff_id` is given the content must match it. Idempotent and safe
  // against a concurrent unpack of the same layer (the first rename wins).
  // Returns the diff id.
  Result<std::string> unpack_layer(std::string_view parent_chain, std::string_view expected_diff_id,
                                   const std::string& blob) const;

  // Held shared by every writer of content; see the header comment.
  Result<FileLock> writer_lock() const;

  // Names `ref` -> record (replacing an older record of the same name).
  Status tag(const ImageRecord& record) const;
  Status untag(const std::string& name) const;
  Result<std::vector<ImageRecord>> list() const;
  // By reference ("busybox", "x@sha256:..."), full or short image ID.
  Result<ImageRecord> find(std::string_view name_or_id) const;
  Result<ResolvedImage> resolve(std::string_view name_or_id) const;
  // Checks that every blob and layer an image needs is in the store.
  bool is_complete(const ImageRecord& record) const;

  // Removes blobs and layers no name refers to, and stale temp files. The images
  // in `keep_ids` (config digests, e.g. those containers run on, named or not)
  // keep their config and unpacked layers.
  Result<GcStats> gc(const std::set<std::string>& keep_ids = {}) const;

 private:
  explicit Store(std::string dir) : dir_(std::move(dir)) {}
  Result<std::vector<ImageRecord>> read_index() const;
  Status write_index(const std::vector<ImageRecord>& records) const;
  Status update_index(const std::function<Status(std::vector<ImageRecord>&)>& change) const;

  std::string dir_;
};

// chain(parent, diff): diff for a base layer, else sha256(parent + " " + diff).
std::string next_chain_id(std::string_view parent_chain, std::string_view diff_id);

// The manifest and config of a stored image, parsed.
Result<Manifest> load_manifest(const Store& store, const ImageRecord& record);

}  // namespace pier::image
