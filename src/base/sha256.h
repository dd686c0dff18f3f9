// SHA-256 (FIPS 180-4) of a short text, in pier itself. For the few hashes a supervisor
// computes on every `up` and `run` (the services' configuration hashes): loading
// libcrypto for them cost a supervisor 3.4 MiB of resident pages and ~21,000 relocations.
// Image layers and blobs, which are large, are hashed with libcrypto (image/digest.h).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace pier {

std::array<uint8_t, 32> sha256(std::string_view data);
// The digest as 64 lowercase hex digits.
std::string sha256_hex(std::string_view data);

}  // namespace pier
