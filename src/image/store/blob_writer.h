// Writes one blob to a temp file while hashing it; commit() verifies the
// digest and renames it into blobs/sha256/<hex>. A crash leaves only a temp file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "base/result.h"
#include "base/unique_fd.h"
#include "image/digest.h"

namespace pier::image {

class BlobWriter {
 public:
  static Result<BlobWriter> create(const std::string& tmp_dir, const std::string& blobs_dir);
  BlobWriter(BlobWriter&& o) noexcept
      : fd_(std::move(o.fd_)), tmp_path_(std::exchange(o.tmp_path_, {})), blobs_dir_(std::move(o.blobs_dir_)),
        hasher_(std::move(o.hasher_)), size_(o.size_), committed_(o.committed_) {}
  BlobWriter& operator=(BlobWriter&&) = delete;
  ~BlobWriter();

  Status write(const void* data, size_t size);
  Status write(std::string_view data) { return write(data.data(), data.size()); }
  // Throws away what was written (a retry starts again from zero).
  Status reset();
  uint64_t size() const { return size_; }
  // Verifies `expected` (and `expected_size` when >= 0), then publishes the blob.
  Result<std::string> commit(std::string_view expected, int64_t expected_size = -1);

 private:
  BlobWriter() = default;
  UniqueFd fd_;
  std::string tmp_path_;
  std::string blobs_dir_;
  Sha256 hasher_;
  uint64_t size_ = 0;
  bool committed_ = false;
};

}  // namespace pier::image
