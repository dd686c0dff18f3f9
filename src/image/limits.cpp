#include "image/limits.h"

namespace pier::image::limits {

std::string byte_count(uint64_t bytes) {
  static constexpr struct {
    uint64_t unit;
    const char* name;
  } kUnits[] = {{1ull << 30, "GiB"}, {1ull << 20, "MiB"}, {1ull << 10, "KiB"}};
  for (const auto& u : kUnits)
    if (bytes >= u.unit && bytes % u.unit == 0) return std::to_string(bytes / u.unit) + " " + u.name;
  return std::to_string(bytes) + " bytes";
}

}  // namespace pier::image::limits
