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
// The 12-hex short form of "sha256:<hex>", as image ids and layers are shown.
std::string short_id(const std::string& digest);

}  // namespace pier::image
