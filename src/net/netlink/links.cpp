#include "net/netlink/links.h"

#include <fmt/format.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <netlink/cache.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "base/strings.h"

namespace pier::net::netlink {
namespace {

struct LinkPut {
  void operator()(rtnl_link* l) const { rtnl_link_put(l); }
};
struct AddrPut {
  void operator()(nl_addr* a) const { nl_addr_put(a); }
};
using LinkPtr = std::unique_ptr<rtnl_link, LinkPut>;
using AddrPtr = std::unique_ptr<nl_addr, AddrPut>;

AddrPtr to_nl_addr(const IpAddress& ip, int prefix) {
  AddrPtr a(nl_addr_build(ip.family, ip.bytes.data(), ip.size()));
  if (a) nl_addr_set_prefixlen(a.get(), prefix);
  return a;
}

}  // namespace

Status create_bridge(const Socket& sock, const std::string& name, int mtu) {
  LinkPtr link(rtnl_link_alloc());
  rtnl_link_set_name(link.get(), name.c_str());
  if (int rc = rtnl_link_set_type(link.get(), "bridge"); rc < 0) return nl_error("create bridge", name, rc);
  if (mtu > 0) rtnl_link_set_mtu(link.get(), mtu);
  // A fixed MAC: otherwise the bridge takes the lowest MAC of its ports and changes
  // it when that port leaves, and containers' ARP caches point at a dead address.
  uint8_t mac[6] = {0x02, 0x50};  // locally administered, unicast
  uint32_t h = 2166136261u;
  for (unsigned char c : name) h = (h ^ c) * 16777619u;
  std::memcpy(mac + 2, &h, 4);
  AddrPtr lladdr(nl_addr_build(AF_LLC, mac, sizeof mac));
  rtnl_link_set_addr(link.get(), lladdr.get());
  rtnl_link_set_flags(link.get(), IFF_UP);
  if (int rc = rtnl_link_add(sock.get(), link.get(), NLM_F_CREATE | NLM_F_EXCL); rc < 0)
    return nl_error("create bridge", name, rc);
  return {};
}

Result<std::optional<int>> find_link(const Socket& sock, const std::string& name) {
  rtnl_link* raw = nullptr;
  int rc = rtnl_link_get_kernel(sock.get(), 0, name.c_str(), &raw);
  if (rc == -NLE_NODEV || rc == -NLE_OBJ_NOTFOUND) return std::optional<int>();
  if (rc < 0) return nl_error("look up link", name, rc);
  LinkPtr link(raw);
  return std::optional<int>(rtnl_link_get_ifindex(link.get()));
}

Result<std::optional<LinkInfo>> get_link(const Socket& sock, const std::string& name) {
  rtnl_link* raw = nullptr;
  int rc = rtnl_link_get_kernel(sock.get(), 0, name.c_str(), &raw);
  if (rc == -NLE_NODEV || rc == -NLE_OBJ_NOTFOUND) return std::optional<LinkInfo>();
  if (rc < 0) return nl_error("look up link", name, rc);
  LinkPtr link(raw);
  return std::optional<LinkInfo>(LinkInfo{rtnl_link_get_ifindex(link.get()), rtnl_link_get_master(link.get())});
}

Status delete_link_if_exists(const Socket& sock, const std::string& name) {
  auto rc = delete_link(sock, name);
  if (!rc.ok() && (rc.error().errnum() == ENODEV || rc.error().errnum() == ENOENT)) return {};
  return rc;
}

Status delete_link(const Socket& sock, const std::string& name) {
  LinkPtr link(rtnl_link_alloc());
  rtnl_link_set_name(link.get(), name.c_str());
  if (int rc = rtnl_link_delete(sock.get(), link.get()); rc < 0) return nl_error("delete link", name, rc);
  return {};
}

Status delete_links_by_index(const Socket& sock, const std::vector<int>& ifindexes) {
  Status first;
  for (int index : ifindexes) {
    LinkPtr link(rtnl_link_alloc());
    rtnl_link_set_ifindex(link.get(), index);
    int rc = rtnl_link_delete(sock.get(), link.get());
    if (rc < 0 && rc != -NLE_NODEV && rc != -NLE_OBJ_NOTFOUND && first.ok())
      first = nl_error("delete link", fmt::format("with index {}", index), rc);
  }
  return first;
}

Status set_link_up(const Socket& sock, const std::string& name) {
  LinkPtr change(rtnl_link_alloc());
  rtnl_link_set_name(change.get(), name.c_str());
  rtnl_link_set_flags(change.get(), IFF_UP);
  // Changing by name: libnl sends RTM_NEWLINK with IFLA_IFNAME and no index.
  LinkPtr orig(rtnl_link_alloc());
  rtnl_link_set_name(orig.get(), name.c_str());
  if (int rc = rtnl_link_change(sock.get(), orig.get(), change.get(), 0); rc < 0)
    return nl_error("bring up link", name, rc);
  return {};
}

Result<std::vector<std::string>> list_links(const Socket& sock, const std::string& prefix) {
  nl_cache* cache = nullptr;
  if (int rc = rtnl_link_alloc_cache(sock.get(), AF_UNSPEC, &cache); rc < 0)
    return nl_error("list", "links", rc);
  std::vector<std::string> names;
  for (nl_object* o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
    const char* name = rtnl_link_get_name(reinterpret_cast<rtnl_link*>(o));
    if (name && starts_with(name, prefix)) names.emplace_back(name);
  }
  nl_cache_free(cache);
  return names;
}

Result<std::vector<std::string>> list_ports_of(const Socket& sock, int master) {
  nl_cache* cache = nullptr;
  if (int rc = rtnl_link_alloc_cache(sock.get(), AF_UNSPEC, &cache); rc < 0)
    return nl_error("list", "links", rc);
  std::vector<std::string> names;
  for (nl_object* o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
    auto* link = reinterpret_cast<rtnl_link*>(o);
    if (rtnl_link_get_master(link) == master) names.emplace_back(rtnl_link_get_name(link));
  }
  nl_cache_free(cache);
  return names;
}

Status set_link_master(const Socket& sock, const std::string& name, int master) {
  PIER_TRY(auto link, get_link(sock, name));
  if (!link) return Error(fmt::format("attach link {} to bridge {}: no such link", name, master), ENODEV);
  if (int rc = rtnl_link_enslave_ifindex(sock.get(), master, link->index); rc < 0)
    return nl_error("attach link", fmt::format("{} to bridge {}", name, master), rc);
  return set_link_up(sock, name);
}

Status create_veth(const Socket& sock, const VethSpec& spec) {
  LinkPtr link(rtnl_link_veth_alloc());
  if (!link) return Error(fmt::format("create veth {}: out of memory", spec.host_name));
  rtnl_link* peer = rtnl_link_veth_get_peer(link.get());
  LinkPtr peer_ref(peer);
  rtnl_link_set_name(link.get(), spec.host_name.c_str());
  rtnl_link_set_name(peer, spec.peer_name.c_str());
  rtnl_link_set_ns_fd(peer, spec.peer_netns_fd);
  // One queue each way on both ends, what the kernel leaves a veth with anyway: asked for
  // at creation, it allocates one; left out, it allocates one per CPU and then cuts the
  // pair down to one, each cut waiting out an RCU grace period (~4 ms per end).
  for (rtnl_link* end : {link.get(), peer}) {
    rtnl_link_set_num_tx_queues(end, 1);
    rtnl_link_set_num_rx_queues(end, 1);
  }
  if (spec.mtu > 0) {
    rtnl_link_set_mtu(link.get(), spec.mtu);
    rtnl_link_set_mtu(peer, spec.mtu);
  }
  if (!spec.peer_mac.empty()) {
    nl_addr* mac = nullptr;
    if (nl_addr_parse(spec.peer_mac.c_str(), AF_LLC, &mac) < 0)
      return Error(fmt::format("create veth {}: invalid MAC address `{}`", spec.host_name, spec.peer_mac));
    rtnl_link_set_addr(peer, mac);
    nl_addr_put(mac);
  }
  if (spec.master_index > 0) rtnl_link_set_master(link.get(), spec.master_index);
  rtnl_link_set_flags(link.get(), IFF_UP);
  // The peer is brought up from inside its namespace: IFF_UP in the peer's header
  // makes the kernel refuse the request (ENOTCONN) when the peer changes namespace.
  if (int rc = rtnl_link_add(sock.get(), link.get(), NLM_F_CREATE | NLM_F_EXCL); rc < 0)
    return nl_error("create veth", fmt::format("{} ({} in container)", spec.host_name, spec.peer_name), rc);
  return {};
}

Status add_address(const Socket& sock, int ifindex, const IpAddress& ip, int prefix) {
  std::unique_ptr<rtnl_addr, void (*)(rtnl_addr*)> addr(rtnl_addr_alloc(), rtnl_addr_put);
  auto local = to_nl_addr(ip, prefix);
  rtnl_addr_set_ifindex(addr.get(), ifindex);
  rtnl_addr_set_local(addr.get(), local.get());
  // No duplicate address detection: pier's IPAM already guarantees uniqueness, and
  // DAD would keep a v6 address unusable for a second or more.
  if (!ip.is_v4()) rtnl_addr_set_flags(addr.get(), IFA_F_NODAD);
  if (int rc = rtnl_addr_add(sock.get(), addr.get(), 0); rc < 0)
    return nl_error("add address", fmt::format("{}/{} to interface {}", ip.to_string(), prefix, ifindex), rc);
  return {};
}

Result<std::vector<LinkAddress>> list_addresses(const Socket& sock, int ifindex, int family) {
  nl_cache* cache = nullptr;
  if (int rc = rtnl_addr_alloc_cache(sock.get(), &cache); rc < 0)
    return nl_error("list addresses of interface", std::to_string(ifindex), rc);
  std::vector<LinkAddress> out;
  for (nl_object* o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
    auto* addr = reinterpret_cast<rtnl_addr*>(o);
    if (rtnl_addr_get_ifindex(addr) != ifindex || rtnl_addr_get_family(addr) != family) continue;
    nl_addr* local = rtnl_addr_get_local(addr);
    if (!local) continue;
    LinkAddress a;
    a.ip.family = family;
    std::memcpy(a.ip.bytes.data(), nl_addr_get_binary_addr(local), std::min<size_t>(nl_addr_get_len(local), 16));
    a.prefix = rtnl_addr_get_prefixlen(addr);
    out.push_back(a);
  }
  nl_cache_free(cache);
  return out;
}

Status add_default_route(const Socket& sock, int ifindex, const IpAddress& gateway, int metric) {
  std::unique_ptr<rtnl_route, void (*)(rtnl_route*)> route(rtnl_route_alloc(), rtnl_route_put);
  IpAddress any;
  any.family = gateway.family;
  auto dst = to_nl_addr(any, 0);
  rtnl_route_set_family(route.get(), gateway.family);
  rtnl_route_set_dst(route.get(), dst.get());
  rtnl_route_set_priority(route.get(), metric);
  rtnl_nexthop* nh = rtnl_route_nh_alloc();
  auto gw = to_nl_addr(gateway, gateway.is_v4() ? 32 : 128);
  rtnl_route_nh_set_gateway(nh, gw.get());
  rtnl_route_nh_set_ifindex(nh, ifindex);
  rtnl_route_add_nexthop(route.get(), nh);  // the route owns nh now
  if (int rc = rtnl_route_add(sock.get(), route.get(), NLM_F_CREATE); rc < 0)
    return nl_error("add default route", fmt::format("via {}", gateway.to_string()), rc);
  return {};
}

Result<std::vector<Subnet>> list_route_prefixes(const Socket& sock) {
  nl_cache* cache = nullptr;
  if (int rc = rtnl_route_alloc_cache(sock.get(), AF_UNSPEC, 0, &cache); rc < 0)
    return nl_error("list", "routes", rc);
  std::vector<Subnet> out;
  for (nl_object* o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
    nl_addr* dst = rtnl_route_get_dst(reinterpret_cast<rtnl_route*>(o));
    int family = dst ? nl_addr_get_family(dst) : 0;
    if (family != AF_INET && family != AF_INET6) continue;
    Subnet s;
    s.address.family = family;
    std::memcpy(s.address.bytes.data(), nl_addr_get_binary_addr(dst),
                std::min<size_t>(nl_addr_get_len(dst), 16));
    s.prefix = static_cast<int>(nl_addr_get_prefixlen(dst));
    out.push_back(s);
  }
  nl_cache_free(cache);
  return out;
}

}  // namespace pier::net::netlink
