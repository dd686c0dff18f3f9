#include "net/sysctl.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>

#include "base/atomic_file.h"
#include "base/strings.h"
#include "base/unique_fd.h"
#include "net/netns.h"

namespace pier::net {
namespace {

std::string path_of(const std::string& key) { return "/proc/sys/net/" + key; }

// Writes `value` unless the sysctl holds it already. Each path walk through
// /proc/sys/net passes, at `ipv4`/`ipv6`, one cached entry per network namespace on the
// host (every namespace has its own, under the same name), so with hundreds of
// containers the walks cost more than the writes: one open, read and written through
// the same descriptor, and `dir_fd` with a relative `rel` keeps the walk short. A sysctl
// that will not open for both (read-only /proc/sys, a write-only key) is read, then
// opened for writing, as two walks.
Status write_sysctl_at(int dir_fd, const std::string& rel, std::string_view value, const std::string& shown) {
  std::string text = std::string(value) + "\n";
  if (UniqueFd fd(::openat(dir_fd, rel.c_str(), O_RDWR | O_CLOEXEC)); fd) {
    char current[64];
    ssize_t n = ::pread(fd.get(), current, sizeof current, 0);
    if (n > 0 && trim(std::string_view(current, static_cast<size_t>(n))) == value) return {};
    // At offset 0: the kernel ignores a sysctl write past the start of the file.
    if (::pwrite(fd.get(), text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()))
      return Error::system(fmt::format("set sysctl to {}", value), shown, errno);
    return {};
  }
  if (UniqueFd fd(::openat(dir_fd, rel.c_str(), O_RDONLY | O_CLOEXEC)); fd) {
    char current[64];
    ssize_t n = ::read(fd.get(), current, sizeof current);
    if (n > 0 && trim(std::string_view(current, static_cast<size_t>(n))) == value) return {};
  }
  UniqueFd fd(::openat(dir_fd, rel.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return Error::system("open sysctl", shown, errno);
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    return Error::system(fmt::format("set sysctl to {}", value), shown, errno);
  return {};
}

// /proc/sys/net/ipv6/conf as the calling thread's network namespace shows it, opened
// once per namespace: the supervisor sets a sysctl of each container's host-side veth,
// and a walk from /proc/sys per veth passes every container's namespace (above). The
// namespace is held open with it, so its inode number, the key, is never another's.
class ConfDir {
 public:
  Result<int> get() {
    UniqueFd netns(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    struct stat ns {};
    if (!netns || ::fstat(netns.get(), &ns) != 0)
      return Error::system("open", "/proc/thread-self/ns/net", errno);
    std::lock_guard lock(mutex_);
    if (!dir_ || ns.st_ino != netns_ino_) {
      UniqueFd dir(::open(kPath, O_PATH | O_DIRECTORY | O_CLOEXEC));
      if (!dir) return Error::system("open sysctl directory", kPath, errno);
      dir_ = std::move(dir);
      netns_ = std::move(netns);
      netns_ino_ = ns.st_ino;
    }
    return dir_.get();
  }

  static constexpr const char* kPath = "/proc/sys/net/ipv6/conf";

 private:
  std::mutex mutex_;
  UniqueFd dir_, netns_;
  ino_t netns_ino_ = 0;
};

}  // namespace

Status write_sysctl(const std::string& key, std::string_view value) {
  auto path = path_of(key);
  return write_sysctl_at(AT_FDCWD, path, value, path);
}

Status write_sysctl_in(int netns_fd, const std::string& key, std::string_view value) {
  return run_in_netns(netns_fd, [&] { return write_sysctl(key, value); });
}

Result<std::string> read_sysctl(int netns_fd, const std::string& key) {
  std::string out;
  auto read = [&]() -> Status {
    PIER_TRY(auto text, read_file(path_of(key)));
    out = std::string(trim(text));
    return {};
  };
  PIER_CHECK(netns_fd < 0 ? read() : run_in_netns(netns_fd, read));
  return out;
}

// Once per process: the kernel has IPv6 or not for its whole life.
bool have_ipv6() {
  static const bool have = ::access("/proc/sys/net/ipv6", F_OK) == 0;
  return have;
}

Status refuse_router_advertisements(const std::string& link) {
  if (!have_ipv6()) return {};
  static ConfDir conf;
  auto dir = conf.get();
  std::string rel = fmt::format("{}/accept_ra", link);
  auto rc = dir.ok() ? write_sysctl_at(*dir, rel, "0", std::string(ConfDir::kPath) + "/" + rel) : Status(dir.error());
  if (!rc.ok()) return std::move(rc).error().context(fmt::format("refuse router advertisements on {}", link));
  return {};
}

Status harden_container_ipv6(int netns_fd, bool disable_ipv6) {
  if (!have_ipv6()) return {};
  auto rc = run_in_netns(netns_fd, [&]() -> Status {
    const std::string conf = path_of("ipv6/conf");
    UniqueFd dir(::open(conf.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!dir) return Error::system("open sysctl directory", conf, errno);
    auto set = [&](const std::string& rel, std::string_view value) {
      return write_sysctl_at(dir.get(), rel, value, conf + "/" + rel);
    };
    PIER_CHECK(set("default/accept_ra", "0"));
    PIER_CHECK(set("all/accept_ra", "0"));
    // `all` also sets `default`, so interfaces made later start without IPv6 too.
    if (disable_ipv6) PIER_CHECK(set("all/disable_ipv6", "1"));
    return {};
  });
  if (!rc.ok()) return std::move(rc).error().context("harden IPv6 in the container's namespace");
  return {};
}

}  // namespace pier::net
