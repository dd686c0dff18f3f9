#include "builder/executor/path_parts.h"

namespace pier::builder {

std::vector<std::string> split_clean(const std::string& path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    std::string p = path.substr(i, j - i);
    if (p == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!p.empty() && p != ".") {
      parts.push_back(std::move(p));
    }
    i = j + 1;
  }
  return parts;
}

std::string join_parts(const std::vector<std::string>& parts, size_t count) {
  std::string out;
  for (size_t i = 0; i < count && i < parts.size(); ++i) {
    if (i) out += '/';
    out += parts[i];
  }
  return out;
}

std::string clean_abs(const std::string& path) { return "/" + join_parts(split_clean(path), 1u << 30); }

}  // namespace pier::builder
