// Unpacks one layer tarball into an empty directory, turning Docker/OCI
// whiteouts into overlayfs ones, with every path resolved inside the layer.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"

namespace pier::image {

struct UnpackLimits {
  uint64_t max_entries = 2'000'000;          // members per layer
  uint64_t max_bytes = 64ull << 30;          // uncompressed bytes per layer
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
