// Small formatting helpers shared by the image commands.
#pragma once

#include <cstdint>
#include <string>

namespace pier::image::commands {

// "12.3MB" as docker prints sizes (decimal units).
std::string human_size(uint64_t bytes);
// "3 minutes ago".
std::string human_age(int64_t unix_seconds);
// The 12-hex short form of "sha256:<hex>".
std::string short_id(const std::string& digest);

}  // namespace pier::image::commands
