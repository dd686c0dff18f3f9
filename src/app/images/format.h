// Small formatting helpers shared by the image commands.
#pragma once

#include <cstdint>
#include <string>

namespace pier::app::images {

// "12.3MB" as docker prints sizes (decimal units).
std::string human_size(uint64_t bytes);
// "3 minutes ago".
std::string human_age(int64_t unix_seconds);

}  // namespace pier::app::images
