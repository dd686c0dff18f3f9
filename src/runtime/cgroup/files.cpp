#include "runtime/cgroup/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <thread>

#include "base/strings.h"
#include "base/unique_fd.h"

namespace pier::runtime::cgfs {

Status write(const std::string& path, const std::string& value) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return Error::system("open", path, errno);
  if (::write(fd.get(), value.data(), value.size()) < 0)
    return Error::system("write `" + value + "` to", path, errno);
  return {};
}

Result<std::string> read(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error::system("open", path, errno);
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) return Error::system("read", path, errno);
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Result<uint64_t> read_u64(const std::string& path) {
  PIER_TRY(std::string text, read(path));
  auto t = trim(text);
  if (t == "max") return uint64_t{0};
  uint64_t v = 0;
  std::from_chars(t.data(), t.data() + t.size(), v);
  return v;
}

uint64_t read_key(const std::string& path, const std::string& key) {
  auto text = read(path);
  if (!text) return 0;
  for (const auto& line : split(*text, '\n')) {
    auto parts = split(line, ' ');
    if (parts.size() == 2 && parts[0] == key) {
      uint64_t v = 0;
      std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), v);
      return v;
    }
  }
  return 0;
}

namespace {

// 0755 past pier's umask (077): a container's own processes read their cgroup files
// (memory.max...) through it whatever user they run as.
bool make_cgroup_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0) return false;
  ::chmod(path.c_str(), 0755);
  return true;
}

}  // namespace

Status mkdir_p(const std::string& root, const std::string& rel, std::vector<std::string>* created) {
  // Fast path: the parents usually exist already (one mkdir instead of one per level).
  std::string leaf = root + "/" + rel;
  if (make_cgroup_dir(leaf)) {
    if (created) created->push_back(leaf);
    return {};
  }
  if (errno == EEXIST) return {};
  // Another container's destroy may remove an empty pier/<project> between our steps:
  // ENOENT restarts the walk from the root.
  for (int attempt = 0;; ++attempt) {
    std::string path = root;
    int err = 0;
    for (const auto& part : split(rel, '/')) {
      if (part.empty()) continue;
      path += "/" + part;
      if (make_cgroup_dir(path)) {
        if (created) created->push_back(path);
      } else if (errno != EEXIST) {
        err = errno;
        break;
      }
    }
    if (err == 0) return {};
    if (err != ENOENT || attempt >= 5) return Error::system("mkdir", path, err);
  }
}

Result<std::vector<pid_t>> read_pids(const std::string& procs_file) {
  PIER_TRY(std::string text, read(procs_file));
  std::vector<pid_t> pids;
  for (const auto& line : split(text, '\n')) {
    if (line.empty()) continue;
    pid_t p = 0;
    std::from_chars(line.data(), line.data() + line.size(), p);
    if (p > 0) pids.push_back(p);
  }
  return pids;
}

Status remove_dir(const std::string& path) {
  for (int attempt = 0;; ++attempt) {
    if (::rmdir(path.c_str()) == 0 || errno == ENOENT) return {};
    if (errno != EBUSY || attempt >= 200) return Error::system("rmdir", path, errno);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

bool is_dir(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_file(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace pier::runtime::cgfs
