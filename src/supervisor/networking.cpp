#include "supervisor/networking.h"

#include <netinet/in.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include <fmt/format.h>
#include <fstream>
#include <sstream>

#include "base/atomic_file.h"
#include "base/log.h"
#include "base/scope_exit.h"
#include "base/strings.h"
#include "net/netlink/links.h"
#include "net/netns.h"
#include "net/project_record.h"
#include "net/rootless/rootless_netns.h"

namespace pier::supervisor {
namespace {

std::string first_word(const std::string& mode) { return mode.substr(0, mode.find(':')); }

}  // namespace

Result<plan::PlanInputs::HeldNamespaces> Networking::hold_namespaces(const std::string& container) {
  plan::PlanInputs::HeldNamespaces held;
  PIER_TRY(held.net, paths_.held_netns(container));
  PIER_TRY(held.uts, paths_.held_utsns(container));
  std::error_code ec;
  std::filesystem::create_directories(paths_.held_ns_dir(), ec);
  if (ec) return Error::system("create", paths_.held_ns_dir(), ec.value());
  PIER_CHECK(net::hold_new_namespaces(held.net, held.uts));
  return held;
}

Status Networking::open() {
  if (net_) return {};
  net::ProjectNetworkOptions options;
  options.project = paths_.kernel_name;
  options.state_dir = paths_.net_state_dir();
  std::string text;
  if (auto r = read_file("/etc/resolv.conf"); r.ok()) text = *r;
  host_resolv_ = net::dns::parse_resolv_conf(text);
  // Rootless, the server forwards from inside the user's rootless namespace.
  for (const auto& ns : net::rootless::reachable_nameservers(host_resolv_.nameservers))
    options.dns.upstreams.push_back({ns, 53});
  std::error_code ec;
  std::filesystem::create_directories(options.state_dir, ec);
  PIER_TRY(net_, net::ProjectNetwork::create(loop_, std::move(options)));
  return {};
}

Result<std::vector<std::string>> Networking::ensure_networks(const compose::Project& project,
                                                             const std::vector<std::string>& services,
                                                             OnChange on_change) {
  std::vector<std::string> changed;
  std::set<std::string> wanted;
  for (const auto& name : services) {
    const auto* service = project.find_service(name);
    if (!service || (!service->network_mode.empty() && first_word(service->network_mode) != "bridge")) continue;
    if (service->networks.empty() && project.networks.count("default")) wanted.insert("default");
    for (const auto& [net, _] : service->networks) wanted.insert(net);
  }
  if (wanted.empty()) return changed;
  if (const auto& no_way_out = net::rootless::outbound_error())
    return Error(*no_way_out).context("rootless pier cannot create the project's networks");
  // Every network is checked before the first is made, so a bad one leaves no
  // bridge and no nft table behind.
  std::vector<std::pair<net::NetworkSpec, bool>> specs;
  for (const auto& name : wanted) {
    auto it = project.networks.find(name);
    if (it == project.networks.end()) return Error("network `" + name + "` is not declared");
    PIER_TRY(auto spec, plan::network_spec(name, it->second));
    specs.push_back(std::move(spec));
  }
  PIER_CHECK(open());
  for (auto& [spec, has_subnet] : specs) {
    if (on_change == OnChange::report) {
      auto differs = net_->config_changed(spec);
      if (!differs) return std::move(differs).error();
      if (*differs) {
        changed.push_back(spec.name);
        continue;
      }
    }
    if (net_->network(spec.name)) continue;
    std::string name = spec.name;
    auto added = net_->add_network(std::move(spec), has_subnet);
    if (!added) return std::move(added).error().context("network `" + name + "`");
  }
  return changed;
}

Status Networking::recreate_network(const compose::Project& project, const std::string& network) {
  auto it = project.networks.find(network);
  if (it == project.networks.end()) return Error("network `" + network + "` is not declared");
  PIER_TRY(auto spec, plan::network_spec(network, it->second));
  PIER_CHECK(open());
  link_deleter_.reset();  // the old bridge goes with no veth of its containers left
  PIER_CHECK(net_->remove_network(spec.first));
  auto added = net_->add_network(std::move(spec.first), spec.second);
  if (!added) return std::move(added).error().context("network `" + network + "`");
  return {};
}

namespace {

// What a starting container's worker carries out (NetworkDriver::PendingAttach): the
// addresses and names were reserved on the loop (the names answer already), and the
// files' text made there.
class StartingAttach final : public NetworkDriver::PendingAttach {
 public:
  StartingAttach(NetworkPlan::Mode mode, std::optional<net::PreparedAttach> prepared, NetworkDriver::Attached attached)
      : mode(mode), prepared(std::move(prepared)), attached(std::move(attached)) {}

  Result<NetworkDriver::Attached> apply(pid_t pid) override {
    if (mode == NetworkPlan::Mode::none) {
      // Docker's `none`: loopback only, and up.
      PIER_TRY(auto netns, net::ContainerNetns::from_pid(pid));
      PIER_CHECK(netns.bring_up_loopback());
    }
    if (prepared) {
      // A socket of this thread's own: it has the project's namespace (rootless,
      // pier's own, which daemon.cpp enters before any thread is made).
      PIER_TRY(auto host, net::netlink::Socket::open());
      PIER_TRY(auto netns, net::ContainerNetns::from_pid(pid));
      PIER_CHECK(net::ProjectNetwork::apply(host, netns, *prepared));
    }
    return attached;
  }

  const NetworkPlan::Mode mode;
  const std::optional<net::PreparedAttach> prepared;
  const NetworkDriver::Attached attached;
};

// The service's `dns:` servers: its own upstreams for names outside the project.
std::vector<net::Endpoint4or6> own_upstreams(const NetworkPlan& plan) {
  std::vector<net::Endpoint4or6> out;
  for (const auto& d : plan.dns)
    if (auto ip = net::IpAddress::parse(d); ip.ok()) out.push_back({*ip, 53});
  return out;
}

}  // namespace

Result<std::unique_ptr<NetworkDriver::PendingAttach>> Networking::prepare_attach(const std::string& container,
                                                                                const NetworkPlan& plan) {
  if (plan.mode != NetworkPlan::Mode::bridge || plan.networks.empty()) {
    plan::NetworkFiles files = plan::files_without_bridge(plan);
    Attached out;
    out.hosts = std::move(files.hosts);
    out.resolv_conf = std::move(files.resolv_conf);
    return std::unique_ptr<PendingAttach>(std::make_unique<StartingAttach>(plan.mode, std::nullopt, std::move(out)));
  }
  PIER_CHECK(open());
  // The service's `dns:` servers, like its names, serve it from its first query.
  PIER_TRY(auto prepared, net_->reserve(container, plan.networks, own_upstreams(plan)));
  ScopeExit give_back([&] { net_->abandon(prepared); });
  Attached out;
  net::dns::HostsInput hosts;
  hosts.own_names = plan.own_names;
  for (size_t i = 0; i < prepared.endpoints.size(); ++i) {
    const auto& ep = prepared.endpoints[i].endpoint;
    state::EndpointRecord rec;
    rec.network = ep.network;
    rec.host_veth = ep.host_veth;
    rec.ifname = ep.ifname;
    rec.ipv4 = ep.ipv4.to_string();
    if (ep.ipv6) rec.ipv6 = ep.ipv6->to_string();
    rec.names = plan.networks[i].names;
    out.endpoints.push_back(rec);
    hosts.own_addresses.push_back(ep.ipv4);
  }
  // The net module turns IPv6 off in a container none of whose networks has it.
  hosts.ipv6 = !prepared.disable_ipv6;
  const auto gateway = prepared.endpoints.front().gateway4;
  hosts.host_gateway = gateway;
  for (const auto& eh : plan.extra_hosts) {
    PIER_TRY(auto entry, net::dns::parse_extra_host(eh.host + ":" + eh.ip));
    hosts.extra_hosts.push_back(entry);
  }
  PIER_TRY(out.hosts, net::dns::container_hosts(hosts));
  out.resolv_conf = net::dns::container_resolv_conf(gateway, host_resolv_, {plan.dns_search, plan.dns_opt});
  give_back.release();
  return std::unique_ptr<PendingAttach>(std::make_unique<StartingAttach>(plan.mode, std::move(prepared), std::move(out)));
}

void Networking::finish_attach(PendingAttach& pending, bool applied) {
  auto& attach = static_cast<StartingAttach&>(pending);
  if (!attach.prepared || !net_) return;
  if (applied) {
    net_->commit(*attach.prepared);
    return;
  }
  net_->abandon(*attach.prepared);
}

Result<std::vector<state::PublishedPort>> Networking::publish(const std::string& container, const std::string& service,
                                                              int replica, const NetworkPlan& plan,
                                                              const std::vector<state::EndpointRecord>& endpoints) {
  std::vector<state::PublishedPort> out;
  if (plan.ports.empty() || endpoints.empty() || !net_) return out;
  PIER_TRY(auto container_ip, net::IpAddress::parse(endpoints.front().ipv4));
  std::vector<net::PortMapping> mappings;
  for (const auto& p : plan.ports) {
    if (p.mode == "host" && p.published.empty()) continue;
    net::PortMapping m;
    m.service = service;
    m.protocol = p.protocol == "udp" ? IPPROTO_UDP : IPPROTO_TCP;
    if (!p.host_ip.empty()) {
      PIER_TRY(m.host_ip, net::IpAddress::parse(p.host_ip));
    }
    m.container_ip = container_ip;
    if (!endpoints.front().ipv6.empty()) {
      PIER_TRY(m.container_ip6, net::IpAddress::parse(endpoints.front().ipv6));
    }
    m.container_port = static_cast<uint16_t>(p.target);
    if (!p.published.empty()) {
      // A range ("8000-8005") gives each replica the next port of it.
      auto dash = p.published.find('-');
      int low = std::atoi(p.published.substr(0, dash).c_str());
      int high = dash == std::string::npos ? low : std::atoi(p.published.substr(dash + 1).c_str());
      int port = low + (replica - 1);
      if (dash == std::string::npos) port = low;
      if (port > high)
        return Error(fmt::format("service {}: no free host port left in {} for replica {}", service, p.published, replica));
      m.host_port = static_cast<uint16_t>(port);
    }
    mappings.push_back(m);
  }
  PIER_TRY(auto bound, net_->publish(container, mappings));
  for (const auto& b : bound)
    out.push_back({b.host_ip.valid() ? b.host_ip.to_string() : "0.0.0.0", b.host_port, b.container_port,
                   b.protocol_name()});
  return out;
}

Status Networking::adopt(const std::string& container, const std::vector<state::EndpointRecord>& endpoints,
                         const NetworkPlan& plan) {
  if (endpoints.empty()) return {};
  PIER_CHECK(open());
  std::vector<net::AdoptedEndpoint> adopted;
  for (const auto& e : endpoints) {
    net::AdoptedEndpoint a;
    a.endpoint.network = e.network;
    a.endpoint.host_veth = e.host_veth;
    a.endpoint.ifname = e.ifname;
    PIER_TRY(a.endpoint.ipv4, net::IpAddress::parse(e.ipv4));
    if (!e.ipv6.empty()) {
      PIER_TRY(a.endpoint.ipv6, net::IpAddress::parse(e.ipv6));
    }
    a.names = e.names;
    adopted.push_back(std::move(a));
  }
  PIER_TRY(auto adoption, net_->adopt(container, std::move(adopted), own_upstreams(plan)));
  for (const auto& note : adoption.notes) log::info("adopt {}: {}", container, note);
  return {};
}

void Networking::release(const std::string& container) {
  if (!net_) return;
  (void)net_->unpublish(container);
  delete_links_later(net_->detach_leaving_links(container));
}

// Deleting a veth waits out RCU grace periods in the kernel (15-35 ms per container):
// on the loop thread that delayed every exit's report, `run --rm` included. The pool's
// thread has the links' network namespace (rootless, pier's own: daemon.cpp enters it
// before any thread is made), so its own socket reaches them.
void Networking::delete_links_later(std::vector<int> links) {
  if (links.empty()) return;
  if (!link_deleter_) link_deleter_ = std::make_unique<WorkerPool>(loop_, 1);
  link_deleter_->run<Status>(
      [links = std::move(links)]() -> Status {
        PIER_TRY(auto sock, net::netlink::Socket::open());
        return net::netlink::delete_links_by_index(sock, links);
      },
      [](Status st) {
        // One not deleted goes with its container's namespace (the kernel deletes a pair).
        if (!st) log::warn("delete veths: {}", st.error().to_string());
      });
}

// Every held namespace of the project, also those a crashed supervisor left.
Status Networking::release_all_held() {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(paths_.held_ns_dir(), ec))
    files.push_back(entry.path().string());
  Status st = net::release_held_namespaces(files);
  std::filesystem::remove(paths_.held_ns_dir(), ec);
  return st;
}

Status Networking::teardown() {
  link_deleter_.reset();  // `down` returns with no veth of the project left
  Status held = release_all_held();
  Status st;
  if (net_) {
    st = net_->teardown();
    net_.reset();
  } else {
    auto host = net::netlink::Socket::open();
    st = host ? net::teardown_project(*host, paths_.net_state_dir(), paths_.kernel_name) : Status(std::move(host).error());
  }
  if (st && !held) return held;
  return st;
}

}  // namespace pier::supervisor
