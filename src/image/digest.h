// sha256 digests ("sha256:<hex>") and a streaming hasher over OpenSSL's EVP.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace pier::image {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  void update(const void* data, size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  // "sha256:<64 hex>"; the hasher must not be used afterwards.
  std::string finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string sha256_digest(std::string_view data);
// The hex part of "sha256:<hex>"; an error for any other algorithm or form.
Result<std::string> digest_hex(std::string_view digest);
// Digest of a file's content, streamed.
Result<std::string> sha256_file(const std::string& path);
// The first 12 hex digits of "sha256:<hex>" (or of a bare hex string): how image IDs
// and layers are shown to people.
std::string short_id(std::string_view digest);

}  // namespace pier::image
