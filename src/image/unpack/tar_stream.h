// A tar stream over a possibly compressed file (gzip, zstd or plain), read with
// libarchive only. Two archive objects are chained: the outer one decompresses
// (format "raw"), the inner one parses tar from the outer's bytes, so the
// uncompressed stream can be hashed on the way into the layer's diff id.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"
#include "image/digest.h"

struct archive;
struct archive_entry;

namespace pier::image {

class TarStream {
 public:
  ~TarStream();
  TarStream(const TarStream&) = delete;
  TarStream& operator=(const TarStream&) = delete;

  // Decompressing more than `max_bytes` fails the read that crosses the bound.
  static Result<std::unique_ptr<TarStream>> open(const std::string& path, uint64_t max_bytes);

  // The next member, or nullptr at the end of the archive.
  Result<archive_entry*> next();
  // The inner archive, to read the current member's data blocks.
  archive* reader() { return inner_; }
  // sha256 of the whole uncompressed stream; reads what is left after the end marker.
  Result<std::string> finish_diff_id();
  uint64_t uncompressed_bytes() const { return bytes_; }

 private:
  TarStream() = default;
  static long read_callback(archive*, void* self, const void** buffer);

  std::string path_;
  archive* outer_ = nullptr;
  archive* inner_ = nullptr;
  Sha256 hasher_;
  uint64_t bytes_ = 0;
  uint64_t max_bytes_ = 0;
  std::string error_;
};

}  // namespace pier::image
