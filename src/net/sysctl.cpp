#include "net/sysctl.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>

#include "base/atomic_file.h"
#include "base/strings.h"
#include "base/unique_fd.h"
#include "net/netns.h"

namespace pier::net {
namespace {

std::string path_of(const std::string& key) { return "/proc/sys/net/" + key; }

}  // namespace

Status write_sysctl(const std::string& key, std::string_view value) {
  auto path = path_of(key);
  if (auto cur = read_file(path); cur.ok() && trim(*cur) == value) return {};
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return Error::system("open sysctl", path, errno);
  std::string text = std::string(value) + "\n";
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    return Error::system(fmt::format("set sysctl to {}", value), path, errno);
  return {};
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

bool have_ipv6() { return ::access("/proc/sys/net/ipv6", F_OK) == 0; }

Status refuse_router_advertisements(const std::string& link) {
  if (!have_ipv6()) return {};
  auto rc = write_sysctl(fmt::format("ipv6/conf/{}/accept_ra", link), "0");
  if (!rc.ok()) return std::move(rc).error().context(fmt::format("refuse router advertisements on {}", link));
  return {};
}

Status harden_container_ipv6(int netns_fd, bool disable_ipv6) {
  if (!have_ipv6()) return {};
  auto rc = run_in_netns(netns_fd, [&]() -> Status {
    PIER_CHECK(write_sysctl("ipv6/conf/default/accept_ra", "0"));
    PIER_CHECK(write_sysctl("ipv6/conf/all/accept_ra", "0"));
    // `all` also sets `default`, so interfaces made later start without IPv6 too.
    if (disable_ipv6) PIER_CHECK(write_sysctl("ipv6/conf/all/disable_ipv6", "1"));
    return {};
  });
  if (!rc.ok()) return std::move(rc).error().context("harden IPv6 in the container's namespace");
  return {};
}

}  // namespace pier::net
