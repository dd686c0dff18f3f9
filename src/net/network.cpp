#include "net/network.h"

#include <fmt/format.h>

#include "base/scope_exit.h"
#include "base/strings.h"
#include "net/names.h"
#include "net/netlink/links.h"
#include "net/netns.h"
#include "net/sysctl.h"

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

Result<std::unique_ptr<Network>> Network::prepare(const netlink::Socket& host, NetworkSpec spec) {
  if (spec.bridge.empty()) spec.bridge = bridge_name(spec.project, spec.name);
  // The compose checks hold external names and bridge name options to this already.
  if (auto rc = check_bridge_name(spec.bridge); !rc.ok()) return std::move(rc).error().context(fmt::format("network `{}`", spec.name));
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
  return net;
}

Result<std::unique_ptr<Network>> Network::create(const netlink::Socket& host, NetworkSpec spec) {
  PIER_TRY(auto net, prepare(host, std::move(spec)));
  const auto& s = net->spec_;
  auto frame = fmt::format("network `{}`", s.name);
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
  // Undo the bridge if it cannot be set up, so a failed `up` leaves nothing.
  ScopeExit undo([&] { (void)netlink::delete_link(host, s.bridge); });
  if (auto rc = refuse_router_advertisements(s.bridge); !rc.ok()) return std::move(rc).error().context(frame);
  PIER_CHECK(netlink::add_address(host, *index, net->v4_->gateway(), net->v4_->subnet().prefix));
  if (net->v6_) PIER_CHECK(netlink::add_address(host, *index, net->v6_->gateway(), net->v6_->subnet().prefix));
  undo.release();
  return net;
}

Result<std::unique_ptr<Network>> Network::adopt(const netlink::Socket& host, NetworkSpec spec) {
  PIER_TRY(auto net, prepare(host, std::move(spec)));
  const auto& s = net->spec_;
  auto frame = fmt::format("network `{}`: take over bridge {}", s.name, s.bridge);
  auto index = netlink::find_link(host, s.bridge);
  if (!index.ok()) return std::move(index).error().context(frame);
  if (!*index) return Error("it does not exist").context(frame);
  net->bridge_index_ = **index;
  if (auto rc = net->ensure_gateway(*net->v4_); !rc.ok()) return std::move(rc).error().context(frame);
  if (net->v6_)
    if (auto rc = net->ensure_gateway(*net->v6_); !rc.ok()) return std::move(rc).error().context(frame);
  if (auto rc = netlink::set_link_up(host, s.bridge); !rc.ok()) return std::move(rc).error().context(frame);
  if (auto rc = refuse_router_advertisements(s.bridge); !rc.ok()) return std::move(rc).error().context(frame);
  return net;
}

namespace {
bool link_local(const IpAddress& ip) { return !ip.is_v4() && ip.bytes[0] == 0xfe && (ip.bytes[1] & 0xc0) == 0x80; }
}  // namespace

Status Network::ensure_gateway(const AddressPool& pool) {
  const IpAddress& gw = pool.gateway();
  int prefix = pool.subnet().prefix;
  PIER_TRY(auto addrs, netlink::list_addresses(host_, bridge_index_, gw.family));
  std::vector<std::string> others;
  for (const auto& a : addrs) {
    if (a.ip == gw && a.prefix == prefix) return {};
    if (!link_local(a.ip)) others.push_back(fmt::format("{}/{}", a.ip.to_string(), a.prefix));
  }
  if (!others.empty())
    return Error(fmt::format("the bridge carries {}, not the gateway {}/{} recorded for this project",
                             join(others, ", "), gw.to_string(), prefix))
        .hint("the network's subnet or gateway changed while containers ran on it; `pier down`, then "
              "`pier up` re-creates it");
  return netlink::add_address(host_, bridge_index_, gw, prefix);
}

Status Network::destroy() {
  if (spec_.external) return {};
  return netlink::delete_link(host_, spec_.bridge);
}

std::optional<IpAddress> Network::gateway6() const {
  if (!v6_) return std::nullopt;
  return v6_->gateway();
}

Result<Endpoint> Network::attach(const ContainerNetns& netns, const AttachSpec& spec) {
  PIER_TRY(auto prepared, reserve(spec));
  if (auto rc = apply(host_, netns, prepared); !rc.ok()) {
    release(prepared.endpoint);
    return std::move(rc).error();
  }
  return prepared.endpoint;
}

Result<PreparedEndpoint> Network::reserve(const AttachSpec& requested) {
  PreparedEndpoint out;
  out.spec = requested;
  if (out.spec.ifname.empty()) out.spec.ifname = "eth0";
  const AttachSpec& spec = out.spec;
  Endpoint& ep = out.endpoint;
  ep = Endpoint{spec_.name, host_veth_name(spec_.project, spec_.name, spec.container), spec.ifname, {}, {}};
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
  out.bridge_index = bridge_index_;
  out.mtu = spec_.mtu;
  out.internal = spec_.internal;
  out.prefix4 = v4_->subnet().prefix;
  out.gateway4 = v4_->gateway();
  if (v6_) {
    out.prefix6 = v6_->subnet().prefix;
    out.gateway6 = v6_->gateway();
  }
  free_v4.release();
  return out;
}

Status Network::apply(const netlink::Socket& host, const ContainerNetns& netns, const PreparedEndpoint& prepared) {
  const Endpoint& ep = prepared.endpoint;
  const AttachSpec& spec = prepared.spec;
  auto frame = fmt::format("attach {} to network `{}`", spec.container, ep.network);
  auto fail = [&](Error e) { return std::move(e).context(frame); };
  // A veth of this name that the supervisor neither attached nor adopted is left
  // from an earlier run of this container, which is gone.
  if (auto old = netlink::find_link(host, ep.host_veth); old.ok() && *old)
    (void)netlink::delete_link(host, ep.host_veth);
  netlink::VethSpec veth{ep.host_veth, prepared.bridge_index, spec.ifname, netns.fd(), prepared.mtu, spec.mac};
  if (auto rc = netlink::create_veth(host, veth); !rc.ok()) return fail(std::move(rc).error());
  ScopeExit drop_veth([&] { (void)netlink::delete_link(host, ep.host_veth); });
  if (auto rc = refuse_router_advertisements(ep.host_veth); !rc.ok()) return fail(std::move(rc).error());
  if (auto rc = configure_container_side(netns, prepared); !rc.ok()) return fail(std::move(rc).error());
  drop_veth.release();
  return {};
}

Status Network::configure_container_side(const ContainerNetns& netns, const PreparedEndpoint& prepared) {
  const Endpoint& ep = prepared.endpoint;
  const AttachSpec& spec = prepared.spec;
  const auto& sock = netns.socket();
  PIER_TRY(auto index, netlink::find_link(sock, spec.ifname));
  if (!index) return Error(fmt::format("interface {} did not appear in the container", spec.ifname));
  PIER_CHECK(netlink::set_link_up(sock, spec.ifname));
  PIER_CHECK(netlink::add_address(sock, *index, ep.ipv4, prepared.prefix4));
  if (ep.ipv6) PIER_CHECK(netlink::add_address(sock, *index, *ep.ipv6, prepared.prefix6));
  PIER_CHECK(netns.bring_up_loopback());
  if (!spec.default_route || prepared.internal) return {};
  int metric = std::max(0, 1000 - spec.gw_priority);
  PIER_CHECK(netlink::add_default_route(sock, *index, prepared.gateway4, metric));
  if (ep.ipv6 && prepared.gateway6) PIER_CHECK(netlink::add_default_route(sock, *index, *prepared.gateway6, metric));
  return {};
}

Result<bool> Network::adopt_endpoint(const std::string& container, const Endpoint& ep) {
  auto frame = fmt::format("adopt {} on network `{}`", container, spec_.name);
  auto fail = [&](Error e) { return std::move(e).context(frame); };
  auto link = netlink::get_link(host_, ep.host_veth);
  if (!link.ok()) return fail(std::move(link).error());
  if (!*link) return false;
  if (auto rc = v4_->adopt(ep.ipv4, container); !rc.ok()) return fail(std::move(rc).error());
  ScopeExit free_v4([&] { v4_->release(ep.ipv4); });
  if (ep.ipv6) {
    if (!v6_)
      return fail(Error(fmt::format("its recorded address {} is IPv6, but the network has no IPv6 subnet",
                                    ep.ipv6->to_string()))
                      .hint("enable_ipv6 changed while the container ran; recreate the container"));
    if (auto rc = v6_->adopt(*ep.ipv6, container); !rc.ok()) return fail(std::move(rc).error());
  }
  ScopeExit free_v6([&] { if (ep.ipv6) v6_->release(*ep.ipv6); });
  if ((*link)->master != bridge_index_)
    if (auto rc = netlink::set_link_master(host_, ep.host_veth, bridge_index_); !rc.ok())
      return fail(std::move(rc).error());
  free_v6.release();
  free_v4.release();
  return true;
}

void Network::release(const Endpoint& ep) {
  v4_->release(ep.ipv4);
  if (ep.ipv6 && v6_) v6_->release(*ep.ipv6);
}

void Network::release_held(const Endpoint& ep, const std::string& owner) {
  if (v4_->owner_of(ep.ipv4) == owner) v4_->release(ep.ipv4);
  if (ep.ipv6 && v6_ && v6_->owner_of(*ep.ipv6) == owner) v6_->release(*ep.ipv6);
}

Status Network::detach(const Endpoint& ep) {
  release(ep);
  // When the container's namespace is gone, the kernel has deleted the pair already
  // (or is about to: namespace cleanup runs asynchronously).
  return netlink::delete_link_if_exists(host_, ep.host_veth);
}

}  // namespace pier::net
