#include "cli/scale_spec.h"

#include <climits>
#include <cstdlib>

namespace pier::cli {

Result<std::map<std::string, int>> parse_scale(const std::vector<std::string>& items, const std::string& what) {
  std::map<std::string, int> out;
  for (const auto& item : items) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) return Error(what + " `" + item + "`: expected SERVICE=NUM");
    char* end = nullptr;
    long n = std::strtol(item.c_str() + eq + 1, &end, 10);
    if (eq + 1 == item.size() || *end || n < 0 || n > INT_MAX)
      return Error(what + " `" + item + "`: NUM must be a non-negative integer");
    out[item.substr(0, eq)] = static_cast<int>(n);
  }
  return out;
}

}  // namespace pier::cli
