#include "net/project_network.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/log.h"
#include "base/scope_exit.h"
#include "net/names.h"
#include "net/netlink/links.h"
#include "net/rootless/host_side.h"
#include "net/sysctl.h"

namespace pier::net {

ProjectNetwork::ProjectNetwork(event::Loop& loop, ProjectNetworkOptions options)
    : loop_(loop), options_(std::move(options)), record_(options_.state_dir, options_.project) {}

ProjectNetwork::~ProjectNetwork() = default;

Result<std::unique_ptr<ProjectNetwork>> ProjectNetwork::create(event::Loop& loop, ProjectNetworkOptions options) {
  std::unique_ptr<ProjectNetwork> p(new ProjectNetwork(loop, std::move(options)));
  PIER_TRY(p->host_, netlink::Socket::open());
  p->dns_ = std::make_unique<dns::Server>(loop, p->registry_, p->options_.dns);
  return p;
}

Network* ProjectNetwork::network(const std::string& name) {
  for (auto& n : networks_)
    if (n->spec().name == name) return n.get();
  return nullptr;
}

// True when the bridge exists and the project's record lists it: a previous
// supervisor made it, and containers may still run on it.
Result<bool> ProjectNetwork::bridge_to_adopt(const NetworkSpec& spec) {
  if (spec.external) return false;
  auto frame = fmt::format("network `{}`", spec.name);
  auto exists = netlink::find_link(host_, spec.bridge);
  if (!exists.ok()) return std::move(exists).error().context(frame);
  if (!*exists) return false;
  auto recorded = record_.bridges();
  if (!recorded.ok()) return std::move(recorded).error().context(frame);
  if (std::find(recorded->begin(), recorded->end(), spec.bridge) != recorded->end()) return true;
  return Error(fmt::format("bridge {} exists, but project {} has no record of creating it", spec.bridge,
                           options_.project))
      .hint(fmt::format("another project or program made it, or its record in {} is lost; if nothing "
                        "uses it, delete it (`ip link delete {}`)",
                        options_.state_dir, spec.bridge))
      .context(frame);
}

std::string ProjectNetwork::bridge_of(const NetworkSpec& spec) const {
  if (!spec.external && spec.bridge.empty()) return bridge_name(options_.project, spec.name);
  return spec.bridge;
}

Result<bool> ProjectNetwork::config_changed(const NetworkSpec& spec) {
  if (spec.external || spec.config_hash.empty()) return false;
  if (const Network* held = network(spec.name))
    return !held->spec().config_hash.empty() && held->spec().config_hash != spec.config_hash;
  NetworkSpec named = spec;
  named.bridge = bridge_of(spec);
  PIER_TRY(bool left, bridge_to_adopt(named));
  if (!left) return false;
  auto recorded = record_.config_hash(named.bridge);
  if (!recorded.ok()) return std::move(recorded).error().context(fmt::format("network `{}`", spec.name));
  return !recorded->empty() && *recorded != spec.config_hash;
}

Status ProjectNetwork::remove_network(const NetworkSpec& spec) {
  auto frame = fmt::format("remove network `{}` of project {}", spec.name, options_.project);
  auto held = std::find_if(networks_.begin(), networks_.end(),
                           [&](const auto& n) { return n->spec().name == spec.name; });
  if (held == networks_.end()) {
    // A bridge a previous supervisor left: no container of this one is on it.
    const std::string bridge = bridge_of(spec);
    auto index = netlink::find_link(host_, bridge);
    if (!index.ok()) return std::move(index).error().context(frame);
    if (!*index) return {};
    if (auto ports = netlink::list_ports_of(host_, **index); ports.ok())
      for (const auto& port : *ports) (void)netlink::delete_link_if_exists(host_, port);
    if (auto rc = netlink::delete_link_if_exists(host_, bridge); !rc.ok()) return std::move(rc).error().context(frame);
    return {};
  }
  for (const auto& [container, eps] : endpoints_)
    for (const auto& ep : eps)
      if (ep.network == spec.name)
        return Error(fmt::format("{}: container {} is still attached to it", frame, container))
            .hint("stop the containers on the network first");
  Network& net = **held;
  dns_->stop_listening(net.gateway());
  if (auto rc = net.destroy(); !rc.ok()) return std::move(rc).error().context(frame);
  networks_.erase(held);
  if (auto rc = apply_firewall(); !rc.ok()) return std::move(rc).error().context(frame);
  return {};
}

Result<Network*> ProjectNetwork::add_network(NetworkSpec spec, bool has_subnet) {
  if (network(spec.name))
    return Error(fmt::format("add network `{}` to project {}: it is added already", spec.name, options_.project));
  spec.project = options_.project;
  spec.bridge = bridge_of(spec);
  // The name goes into the record, netlink requests and the project's nft rules.
  if (auto rc = check_bridge_name(spec.bridge); !rc.ok())
    return std::move(rc).error().context(fmt::format("network `{}`", spec.name));
  PIER_TRY(bool existing, bridge_to_adopt(spec));
  SubnetStore store(options_.state_dir);
  if (has_subnet) {
    PIER_CHECK(store.record(options_.project, spec.name, spec.ipv4.subnet));
  } else {
    PIER_TRY(auto routes, netlink::list_route_prefixes(host_));
    PIER_TRY(spec.ipv4.subnet, store.allocate(options_.project, spec.name, routes));
  }
  if (spec.ipv6) {
    // enable_ipv6 without an IPv6 subnet: a /64 of pier's ULA pool, kept per project
    // like the IPv4 one.
    std::string key = spec.name + "/ipv6";
    if (spec.ipv6->subnet.prefix == 0) {
      PIER_TRY(auto routes, netlink::list_route_prefixes(host_));
      PIER_TRY(spec.ipv6->subnet, store.allocate(options_.project, key, routes, default_v6_pools()));
    } else {
      PIER_CHECK(store.record(options_.project, key, spec.ipv6->subnet));
    }
  }
  if (!spec.external) {
    PIER_CHECK(record_.add_bridge(spec.bridge));
    // A bridge taken back keeps the hash it was made with: what config_changed compares
    // the file with, also when the caller took it back as it is.
    PIER_TRY(std::string recorded, record_.config_hash(spec.bridge));
    if (existing && !recorded.empty()) spec.config_hash = recorded;
    else PIER_CHECK(record_.set_config_hash(spec.bridge, spec.config_hash));
  }
  PIER_TRY(auto net, existing ? Network::adopt(host_, std::move(spec)) : Network::create(host_, std::move(spec)));
  Network* raw = net.get();
  networks_.push_back(std::move(net));
  if (auto port = dns_->listen(raw->gateway(), options_.dns_port); !port.ok()) {
    // An external bridge may not carry the gateway address pier assumed; its
    // containers then get no embedded DNS, but the network still works.
    if (!raw->spec().external)
      return std::move(port).error().context(fmt::format("network `{}`", raw->spec().name));
    log::warn("network `{}`: no embedded DNS: {}", raw->spec().name, port.error().to_string());
  }
  PIER_CHECK(nat::enable_ip_forwarding());
  if (raw->spec().ipv6) PIER_CHECK(nat::enable_ipv6_forwarding());
  PIER_CHECK(apply_firewall());
  return raw;
}

Result<std::vector<Endpoint>> ProjectNetwork::attach(const std::string& container, const ContainerNetns& netns,
                                                     std::vector<ContainerNetwork> nets) {
  PIER_TRY(auto prepared, reserve(container, std::move(nets)));
  if (auto rc = apply(host_, netns, prepared); !rc.ok()) {
    abandon(prepared);
    return std::move(rc).error();
  }
  return commit(prepared);
}

Result<PreparedAttach> ProjectNetwork::reserve(const std::string& container, std::vector<ContainerNetwork> nets,
                                               std::vector<Endpoint4or6> upstreams) {
  PreparedAttach out;
  out.container = container;
  ScopeExit undo([&] { abandon(out); });
  // The default route goes through the network with the highest gw_priority
  // (the first one on a tie), as Compose specifies.
  size_t gateway = 0;
  for (size_t i = 1; i < nets.size(); ++i)
    if (nets[i].attach.gw_priority > nets[gateway].attach.gw_priority) gateway = i;
  out.disable_ipv6 = std::none_of(nets.begin(), nets.end(), [&](const ContainerNetwork& n) {
    const Network* net = network(n.network);
    return net && net->spec().ipv6;
  });
  for (size_t i = 0; i < nets.size(); ++i) {
    Network* net = network(nets[i].network);
    if (!net) return Error(fmt::format("attach {}: no network `{}` in project {}", container, nets[i].network, options_.project));
    AttachSpec spec = nets[i].attach;
    spec.container = container;
    if (spec.ifname.empty()) spec.ifname = fmt::format("eth{}", i);
    spec.default_route = (i == gateway);
    PIER_TRY(auto prepared, net->reserve(spec));
    // The names answer from now on: the container's first query after its exec comes
    // before the supervisor's loop hears that the start is over, and a query from an
    // address the registry does not know is refused.
    const Endpoint& ep = prepared.endpoint;
    std::vector<IpAddress> addrs{ep.ipv4};
    if (ep.ipv6) addrs.push_back(*ep.ipv6);
    registry_.add({container, ep.network, addrs, nets[i].names});
    out.endpoints.push_back(std::move(prepared));
  }
  if (!upstreams.empty()) dns_->set_container_upstreams(container, std::move(upstreams));
  undo.release();
  return out;
}

Status ProjectNetwork::apply(const netlink::Socket& host, const ContainerNetns& netns, const PreparedAttach& prepared) {
  if (auto rc = harden_container_ipv6(netns.fd(), prepared.disable_ipv6); !rc.ok())
    return std::move(rc).error().context(fmt::format("attach {}", prepared.container));
  std::vector<std::string> made;
  ScopeExit undo([&] {
    for (const auto& veth : made) (void)netlink::delete_link(host, veth);
  });
  for (const auto& endpoint : prepared.endpoints) {
    PIER_CHECK(Network::apply(host, netns, endpoint));
    made.push_back(endpoint.endpoint.host_veth);
  }
  undo.release();
  return {};
}

std::vector<Endpoint> ProjectNetwork::commit(const PreparedAttach& prepared) {
  std::vector<Endpoint> eps;
  for (const auto& endpoint : prepared.endpoints) eps.push_back(endpoint.endpoint);
  endpoints_[prepared.container] = eps;
  return eps;
}

void ProjectNetwork::abandon(const PreparedAttach& prepared) {
  registry_.remove(prepared.container);
  dns_->set_container_upstreams(prepared.container, {});
  for (const auto& endpoint : prepared.endpoints)
    if (Network* net = network(endpoint.endpoint.network)) net->release_held(endpoint.endpoint, prepared.container);
}

Result<Adoption> ProjectNetwork::adopt(const std::string& container, std::vector<AdoptedEndpoint> endpoints,
                                       std::vector<Endpoint4or6> upstreams) {
  if (endpoints_.count(container))
    return Error(fmt::format("adopt {}: it is attached already in project {}", container, options_.project));
  Adoption out;
  std::vector<std::pair<Network*, const AdoptedEndpoint*>> done;
  ScopeExit undo([&] {
    for (auto& [net, a] : done) net->release(a->endpoint);
  });
  for (const auto& a : endpoints) {
    const Endpoint& ep = a.endpoint;
    Network* net = network(ep.network);
    if (!net)
      return Error(fmt::format("adopt {}: no network `{}` in project {}", container, ep.network, options_.project))
          .hint("add every network of the container's record before adopting it");
    PIER_TRY(bool taken, net->adopt_endpoint(container, ep));
    if (!taken) {
      out.notes.push_back(fmt::format("adopt {}: host veth {} on network `{}` is gone (the container has exited); "
                                      "endpoint {} skipped", container, ep.host_veth, ep.network, ep.ipv4.to_string()));
      continue;
    }
    done.emplace_back(net, &a);
  }
  undo.release();
  for (const auto& [net, a] : done) {
    const Endpoint& ep = a->endpoint;
    std::vector<IpAddress> addrs{ep.ipv4};
    if (ep.ipv6) addrs.push_back(*ep.ipv6);
    registry_.add({container, ep.network, addrs, a->names});
    out.endpoints.push_back(ep);
  }
  for (const auto& note : out.notes) log::info("{}", note);
  if (!out.endpoints.empty()) {
    endpoints_[container] = out.endpoints;
    if (!upstreams.empty()) dns_->set_container_upstreams(container, std::move(upstreams));
  }
  return out;
}

Status ProjectNetwork::detach(const std::string& container) {
  return netlink::delete_links_by_index(host_, detach_leaving_links(container));
}

std::vector<int> ProjectNetwork::detach_leaving_links(const std::string& container) {
  registry_.remove(container);
  dns_->set_container_upstreams(container, {});
  (void)unpublish(container);
  auto it = endpoints_.find(container);
  if (it == endpoints_.end()) return {};
  std::vector<int> links;
  for (const auto& ep : it->second) {
    if (Network* net = network(ep.network)) net->release(ep);
    // Gone already when the container's namespace went first. One not found for an
    // error goes with the namespace (the kernel deletes the pair).
    auto link = netlink::find_link(host_, ep.host_veth);
    if (!link.ok()) log::warn("detach {}: {}", container, link.error().to_string());
    if (link.ok() && *link) links.push_back(**link);
  }
  endpoints_.erase(it);
  return links;
}

Result<std::vector<PortMapping>> ProjectNetwork::publish(const std::string& container, std::vector<PortMapping> ports) {
  std::vector<PortKey> keys;
  for (const auto& m : ports)
    keys.push_back({m.protocol, m.host_ip.valid() ? m.host_ip.to_string() : "", m.host_port, m.container_port});
  // Rootless, the kernel's DNAT lives in the rootless namespace, which host traffic
  // never enters: every port of a range gets a proxy listening on the host's side.
  auto runs = rootless::published_ports_side() ? std::vector<bool>(keys.size(), false) : in_port_runs(keys);
  std::vector<Published> started;
  for (size_t i = 0; i < ports.size(); ++i) {
    auto& m = ports[i];
    if (runs[i]) {
      // A range: the kernel publishes it, no socket is held (net/ports.h).
      PIER_CHECK(check_host_port_free(m));
      m.by_kernel = true;
      started.push_back({m, nullptr});
      continue;
    }
    // The proxy binds first: it reserves the host port (a random one if 0) and
    // reports a busy one; the DNAT rule then uses the same number.
    PIER_TRY(auto proxy, proxy::start_proxy(loop_, m));
    m.host_port = proxy->port();
    started.push_back({m, std::move(proxy)});
  }
  if (std::any_of(ports.begin(), ports.end(), [](const PortMapping& m) { return m.by_kernel; }))
    PIER_CHECK(route_localnet_on_bridges());
  auto& mine = published_[container];
  for (auto& p : started) mine.push_back(std::move(p));
  if (auto rc = apply_firewall(); !rc.ok()) {
    published_.erase(container);
    return std::move(rc).error();
  }
  return ports;
}

// The output hook's DNAT of 127.0.0.1 to a container leaves the packet with a
// loopback source on a bridge, which the kernel refuses unless route_localnet is set
// there. The table's loopback_guard drops what that would otherwise let in.
Status ProjectNetwork::route_localnet_on_bridges() {
  for (const auto& n : networks_) {
    auto rc = write_sysctl(fmt::format("ipv4/conf/{}/route_localnet", n->bridge()), "1");
    if (!rc.ok()) return std::move(rc).error().context("publish a port range");
  }
  return {};
}

Status ProjectNetwork::unpublish(const std::string& container) {
  if (published_.erase(container) == 0) return {};
  return apply_firewall();
}

Status ProjectNetwork::apply_firewall() {
  nat::ProjectFirewall fw;
  fw.project = options_.project;
  for (const auto& n : networks_) {
    std::optional<Subnet> v6;
    if (n->spec().ipv6) v6 = n->spec().ipv6->subnet;
    fw.networks.push_back({n->bridge(), n->subnet(), n->spec().internal, v6});
  }
  for (const auto& [_, list] : published_)
    for (const auto& p : list)
      if (p.mapping.container_ip.is_v4()) fw.ports.push_back(p.mapping);
  return nat::apply_ruleset(fw);
}

Status ProjectNetwork::teardown() {
  published_.clear();
  for (const auto& n : networks_) dns_->stop_listening(n->gateway());
  for (auto& [container, _] : endpoints_) registry_.remove(container);
  endpoints_.clear();
  networks_.clear();
  return teardown_project(host_, options_.state_dir, options_.project);
}

}  // namespace pier::net
