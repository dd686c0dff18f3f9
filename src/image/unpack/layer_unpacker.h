// Unpacks one layer tarball into an empty directory, turning Docker/OCI
// whiteouts into overlayfs ones, with every path resolved inside the layer.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"
#include "image/limits.h"

namespace pier::image {

// Defaults and their reasons: image/limits.h. Tests pass smaller ones.
struct UnpackLimits {
  uint64_t max_entries = limits::kMaxLayerEntries;  // members per layer
  // Uncompressed tar bytes, counted as they are decompressed, and the bytes of
  // the layer's files (sparse ones at their apparent size), counted before
  // they are written.
  uint64_t max_bytes = limits::kMaxLayerBytes;
};

struct UnpackStats {
  std::string diff_id;  // sha256 of the uncompressed tar
  uint64_t entries = 0;
  uint64_t bytes = 0;
};

// `blob` is a gzip, zstd or plain tar; `dest` an existing empty directory.
Result<UnpackStats> unpack_layer(const std::string& blob, const std::string& dest,
                                 const UnpackLimits& limits = {});

}  // namespace pier::image
