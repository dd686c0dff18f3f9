#include "net/rootless/published_socket.h"

#include <fmt/format.h>

#include <charconv>

#include "net/rootless/host_side.h"
#include "net/sockaddr.h"
#include "net/socket_util.h"
#include "net/sysctl.h"

namespace pier::net::rootless {

namespace {

constexpr const char* kUnprivilegedPortStart = "ipv4/ip_unprivileged_port_start";

// The host's first unprivileged port; the kernel's default (1024) when unreadable. Read
// on the host-side thread: /proc/sys/net shows the namespace of the reader.
int unprivileged_port_start() {
  auto text = read_sysctl(-1, kUnprivilegedPortStart);
  int start = 1024;
  if (text) std::from_chars(text->data(), text->data() + text->size(), start);
  return start;
}

}  // namespace

Error privileged_port_error(const IpAddress& ip, uint16_t port, int unprivileged_start, const std::string& who) {
  IpAddress where = ip.valid() ? ip : IpAddress::v4(0);
  Error e(fmt::format("publish {}: rootless pier cannot bind port {}, below net.ipv4.ip_unprivileged_port_start ({})",
                      Endpoint4or6{where, port}.to_string(), port, unprivileged_start));
  if (!who.empty()) e.context(who);
  e.hint(fmt::format(
      "publish a host port of {} or more (e.g. \"{}:{}\"), or let users bind lower ports: "
      "`sudo sysctl -w net.ipv4.ip_unprivileged_port_start={}` (persist it in /etc/sysctl.d/)",
      unprivileged_start, 8000 + port % 1000, port, port));
  return e;
}

Result<UniqueFd> bind_published_socket(int type, const IpAddress& ip, uint16_t port, const std::string& who,
                                       bool listen) {
  HostSide* host = published_ports_side();
  if (host == nullptr) return bind_socket(type, ip, port, who, listen);
  UniqueFd fd;
  PIER_CHECK(host->run([&]() -> Status {
    if (int start = unprivileged_port_start(); port != 0 && port < start)
      return privileged_port_error(ip, port, start, who);
    PIER_TRY(fd, bind_socket(type, ip, port, who, listen));
    return {};
  }));
  return fd;
}

}  // namespace pier::net::rootless
