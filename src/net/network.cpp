#include "net/network.h"

#include <fmt/format.h>

#include "base/scope_exit.h"
#include "net/names.h"
#include "net/netlink/links.h"
#include "net/netns.h"

namespace pier::net {

Result<ContainerNetns> ContainerNetns::from_pid(pid_t pid) {
  PIER_TRY(auto fd, open_netns_of(pid));
  return from_fd(std::move(fd));
}

Result<ContainerNetns> ContainerNetns::from_fd(UniqueFd netns) {
  ContainerNetns out;
  PIER_TRY(out.sock_, netlink::Socket::open_in(netns.get()));
  out.fd_ = std::move(netns);
  return out;
}

Status ContainerNetns::bring_up_loopback() const { return netlink::set_link_up(sock_, "lo"); }

Result<std::unique_ptr<Network>> Network::create(const netlink::Socket& host, NetworkSpec spec) {
  if (spec.bridge.empty()) spec.bridge = bridge_name(spec.project, spec.name);
  std::unique_ptr<Network> net(new Network(host, std::move(spec)));
  const auto& s = net->spec_;
  auto frame = fmt::format("network `{}`", s.name);
  auto v4 = AddressPool::create(s.ipv4);
  if (!v4.ok()) return std::move(v4).error().context(frame);
  net->v4_ = std::move(v4).value();
  if (s.ipv6) {
    auto v6 = AddressPool::create(*s.ipv6);
    if (!v6.ok()) return std::move(v6).error().context(frame);
    net->v6_ = std::move(v6).value();
  }
  if (!s.external) {
    if (auto rc = netlink::create_bridge(host, s.bridge, s.mtu); !rc.ok()) {
      auto exists = netlink::find_link(host, s.bridge);
      if (exists.ok() && *exists)
        rc.error().hint("a previous run of this project left it behind; `pier down` removes it");
      return std::move(rc).error().context(frame);
    }
  }
  PIER_TRY(auto index, netlink::find_link(host, s.bridge));
  if (!index)
    return Error(fmt::format("external network `{}`: bridge {} does not exist", s.name, s.bridge))
        .hint("create it first, or drop `external: true`");
  net->bridge_index_ = *index;
  if (s.external) return net;
  // Undo the bridge if its addresses cannot be set, so a failed `up` leaves nothing.
  ScopeExit undo([&] { (void)netlink::delete_link(host, s.bridge); });
  PIER_CHECK(netlink::add_address(host, *index, net->v4_->gateway(), net->v4_->subnet().prefix));
  if (net->v6_) PIER_CHECK(netlink::add_address(host, *index, net->v6_->gateway(), net->v6_->subnet().prefix));
  undo.release();
  return net;
}

Status Network::destroy() {
  if (spec_.external) return {};
  return netlink::delete_link(host_, spec_.bridge);
}

std::optional<IpAddress> Network::gateway6() const {
  if (!v6_) return std::nullopt;
  return v6_->gateway();
}

Result<Endpoint> Network::attach(const ContainerNetns& netns, const AttachSpec& requested) {
  AttachSpec spec = requested;
  if (spec.ifname.empty()) spec.ifname = "eth0";
  Endpoint ep{spec_.name, host_veth_name(spec_.project, spec_.name, spec.container), spec.ifname, {}, {}};
  auto frame = fmt::format("attach {} to network `{}`", spec.container, spec_.name);
  auto fail = [&](Error e) { return std::move(e).context(frame); };
  if (spec.ipv4) {
    if (auto rc = v4_->reserve(*spec.ipv4, spec.container); !rc.ok()) return fail(std::move(rc).error());
    ep.ipv4 = *spec.ipv4;
  } else {
    auto ip = v4_->allocate(spec.container);
    if (!ip.ok()) return fail(std::move(ip).error());
    ep.ipv4 = *ip;
  }
  ScopeExit free_v4([&] { v4_->release(ep.ipv4); });
  if (v6_) {
    auto ip6 = spec.ipv6 ? Result<IpAddress>(*spec.ipv6) : v6_->allocate(spec.container);
    if (spec.ipv6 && ip6.ok())
      if (auto rc = v6_->reserve(*spec.ipv6, spec.container); !rc.ok()) return fail(std::move(rc).error());
    if (!ip6.ok()) return fail(std::move(ip6).error());
    ep.ipv6 = *ip6;
  }
  ScopeExit free_v6([&] { if (ep.ipv6) v6_->release(*ep.ipv6); });
  // A veth of this name is a leftover of a crashed run: its container is gone.
  if (auto old = netlink::find_link(host_, ep.host_veth); old.ok() && *old)
    (void)netlink::delete_link(host_, ep.host_veth);
  netlink::VethSpec veth{ep.host_veth, bridge_index_, spec.ifname, netns.fd(), spec_.mtu, spec.mac};
  if (auto rc = netlink::create_veth(host_, veth); !rc.ok()) return fail(std::move(rc).error());
  ScopeExit drop_veth([&] { (void)netlink::delete_link(host_, ep.host_veth); });
  if (auto rc = configure_container_side(netns, spec, ep); !rc.ok()) return fail(std::move(rc).error());
  drop_veth.release();
  free_v4.release();
  free_v6.release();
  return ep;
}

Status Network::configure_container_side(const ContainerNetns& netns, const AttachSpec& spec,
                                         const Endpoint& ep) {
  const auto& sock = netns.socket();
  PIER_TRY(auto index, netlink::find_link(sock, spec.ifname));
  if (!index) return Error(fmt::format("interface {} did not appear in the container", spec.ifname));
  PIER_CHECK(netlink::set_link_up(sock, spec.ifname));
  PIER_CHECK(netlink::add_address(sock, *index, ep.ipv4, v4_->subnet().prefix));
  if (ep.ipv6) PIER_CHECK(netlink::add_address(sock, *index, *ep.ipv6, v6_->subnet().prefix));
  PIER_CHECK(netns.bring_up_loopback());
  if (!spec.default_route || spec_.internal) return {};
  int metric = std::max(0, 1000 - spec.gw_priority);
  PIER_CHECK(netlink::add_default_route(sock, *index, v4_->gateway(), metric));
  if (ep.ipv6) PIER_CHECK(netlink::add_default_route(sock, *index, v6_->gateway(), metric));
  return {};
}

Status Network::detach(const Endpoint& ep) {
  v4_->release(ep.ipv4);
  if (ep.ipv6 && v6_) v6_->release(*ep.ipv6);
  auto index = netlink::find_link(host_, ep.host_veth);
  if (!index.ok()) return std::move(index).error();
  if (!*index) return {};  // the container's namespace is gone and took the veth with it
  return netlink::delete_link(host_, ep.host_veth);
}

}  // namespace pier::net
