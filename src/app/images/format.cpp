#include "app/images/format.h"

#include <ctime>

#include <fmt/format.h>

namespace pier::app::images {

std::string human_size(uint64_t bytes) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1000 && u < 4) {
    v /= 1000;
    ++u;
  }
  return u == 0 ? fmt::format("{}B", bytes) : fmt::format("{:.3g}{}", v, units[u]);
}

std::string human_age(int64_t t) {
  int64_t d = static_cast<int64_t>(std::time(nullptr)) - t;
  if (d < 60) return "Less than a minute ago";
  if (d < 3600) return fmt::format("{} minutes ago", d / 60);
  if (d < 86400) return fmt::format("{} hours ago", d / 3600);
  return fmt::format("{} days ago", d / 86400);
}

}  // namespace pier::app::images
