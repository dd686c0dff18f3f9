// Helpers shared by the container-log tests: a temporary directory removed at the end,
// reading a file whole, and waiting (bounded) for an fd to become readable.
#pragma once

#include <poll.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace pier::test {

class LogsTempDir {
 public:
  LogsTempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pier-logs-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data()) ? tmpl : std::string();
  }
  ~LogsTempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  LogsTempDir(const LogsTempDir&) = delete;
  LogsTempDir& operator=(const LogsTempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void spit(const std::string& path, const std::string& text, bool append = false) {
  std::ofstream out(path, std::ios::binary | (append ? std::ios::app : std::ios::trunc));
  out << text;
}

// True if `fd` became readable within `timeout_ms`.
inline bool wait_readable(int fd, int timeout_ms) {
  struct pollfd p {fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1;
}

}  // namespace pier::test
