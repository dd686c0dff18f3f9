#include "plan/network.h"

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "base/atomic_file.h"
#include "compose/output.h"
#include "net/names.h"
#include "plan/steps.h"

namespace pier::plan {
namespace {

constexpr const char* kBridgeNameOpt = "com.docker.network.bridge.name";
constexpr const char* kMtuOpt = "com.docker.network.driver.mtu";

// The first ipam.config pool of a Compose network in this address family.
Result<std::optional<net::IpamConfig>> ipam_of(const compose::NetworkConfig& config, bool v6) {
  if (!config.ipam) return std::optional<net::IpamConfig>();
  for (const auto& pool : config.ipam->config) {
    if (pool.subnet.empty()) continue;
    PIER_TRY(auto subnet, net::Subnet::parse(pool.subnet));
    if (subnet.address.is_v4() == v6) continue;
    net::IpamConfig ipam;
    ipam.subnet = subnet;
    if (!pool.gateway.empty()) {
      PIER_TRY(ipam.gateway, net::IpAddress::parse(pool.gateway));
    }
    if (!pool.ip_range.empty()) {
      PIER_TRY(ipam.ip_range, net::Subnet::parse(pool.ip_range));
    }
    for (const auto& [name, ip] : pool.aux_addresses) {
      PIER_TRY(auto addr, net::IpAddress::parse(ip));
      ipam.aux_addresses[name] = addr;
    }
    return std::optional<net::IpamConfig>(ipam);
  }
  return std::optional<net::IpamConfig>();
}

std::string first_word(const std::string& mode) { return mode.substr(0, mode.find(':')); }

// The names a container answers to on one network, in Docker's order.
std::vector<std::string> names_on(const compose::Service& service, const compose::ServiceNetwork& cfg,
                                  const std::string& container_name) {
  std::vector<std::string> names = {service.name, container_name};
  if (!service.hostname.empty()) names.push_back(service.hostname);
  for (const auto& alias : cfg.aliases) names.push_back(alias);
  for (const auto& link : service.links) {
    auto colon = link.find(':');
    if (colon != std::string::npos) names.push_back(link.substr(colon + 1));
  }
  return names;
}

Result<NetworkPlan> plan_network(detail::PlanContext& ctx) {
  const compose::Service& service = ctx.svc;
  const std::string& container_name = ctx.in.id.name;
  NetworkPlan plan;
  plan.hostname = ctx.plan.spec.hostname;
  plan.own_names = {plan.hostname};
  plan.extra_hosts = service.extra_hosts;
  plan.dns = service.dns;
  plan.dns_search = service.dns_search;
  plan.dns_opt = service.dns_opt;
  std::string mode = first_word(service.network_mode);
  if (mode == "none") plan.mode = NetworkPlan::Mode::none;
  else if (mode == "host") plan.mode = NetworkPlan::Mode::host;
  else if (mode == "service" || mode == "container") plan.mode = NetworkPlan::Mode::shared;
  if (plan.mode != NetworkPlan::Mode::bridge) return plan;
  plan.ports = service.ports;

  // Highest gw_priority (then priority, then name) first: it gets the default route.
  std::vector<std::pair<std::string, const compose::ServiceNetwork*>> nets;
  for (const auto& [name, cfg] : service.networks) nets.emplace_back(name, &cfg);
  if (nets.empty() && ctx.in.project->networks.count("default")) {
    static const compose::ServiceNetwork kDefault;
    nets.emplace_back("default", &kDefault);
  }
  std::stable_sort(nets.begin(), nets.end(), [](const auto& a, const auto& b) {
    auto ga = a.second->gw_priority.value_or(0), gb = b.second->gw_priority.value_or(0);
    if (ga != gb) return ga > gb;
    return a.second->priority.value_or(0) > b.second->priority.value_or(0);
  });
  bool first = true;
  for (const auto& [name, cfg] : nets) {
    net::ContainerNetwork cn;
    cn.network = name;
    cn.attach.container = container_name;
    cn.attach.ifname = cfg->interface_name;
    for (auto [text, out] : {std::pair{&cfg->ipv4_address, &cn.attach.ipv4}, {&cfg->ipv6_address, &cn.attach.ipv6}}) {
      if (text->empty()) continue;
      auto ip = net::IpAddress::parse(*text);
      if (!ip)
        return ctx.error_at(cfg->mark, fmt::format("network {}: `{}` is not an IP address", name, *text))
            .hint("fix ipv4_address/ipv6_address");
      *out = *ip;
    }
    cn.attach.mac = !cfg->mac_address.empty() ? cfg->mac_address : (first ? service.mac_address : "");
    cn.attach.default_route = first;
    cn.attach.gw_priority = static_cast<int>(cfg->gw_priority.value_or(0));
    cn.names = names_on(service, *cfg, container_name);
    plan.networks.push_back(std::move(cn));
    first = false;
  }
  plan.own_names.push_back(container_name);
  return plan;
}

}  // namespace

bool is_namespace_provider(const compose::Project& project, const compose::Service& service,
                           const std::string& container, bool oneoff) {
  if (oneoff) return false;
  const std::string& own = service.network_mode;
  if (!own.empty() && own != "none" && own != "bridge" && own != "default") return false;
  for (const auto& [name, other] : project.services)
    if (other.network_mode == "service:" + service.name || other.network_mode == "container:" + container) return true;
  return false;
}

Result<std::pair<net::NetworkSpec, bool>> network_spec(const std::string& name, const compose::NetworkConfig& config) {
  if (!config.driver.empty() && config.driver != "bridge")
    return Error("network `" + name + "`: driver `" + config.driver + "` is not supported (only bridge)")
        .at(config.mark.to_string());
  net::NetworkSpec spec;
  spec.name = name;
  spec.external = config.external;
  if (config.external) spec.bridge = config.name;
  spec.internal = config.internal.value_or(false);
  if (auto b = config.driver_opts.find(kBridgeNameOpt); b != config.driver_opts.end()) spec.bridge = b->second;
  if (!spec.bridge.empty())
    if (auto rc = net::check_bridge_name(spec.bridge); !rc.ok())
      return std::move(rc).error().context("network `" + name + "`").at(config.mark.to_string());
  if (auto m = config.driver_opts.find(kMtuOpt); m != config.driver_opts.end()) spec.mtu = std::atoi(m->second.c_str());
  PIER_TRY(auto v4, ipam_of(config, false));
  if (v4) spec.ipv4 = *v4;
  if (config.enable_ipv6.value_or(false)) {
    PIER_TRY(auto v6, ipam_of(config, true));
    // No IPv6 subnet given: the net module picks one from its ULA pool.
    spec.ipv6 = v6 ? *v6 : net::IpamConfig{};
  }
  spec.config_hash = compose::network_config_hash(config);
  return std::make_pair(std::move(spec), v4.has_value());
}

NetworkFiles files_without_bridge(const NetworkPlan& plan) {
  NetworkFiles out;
  std::string host_resolv;
  if (auto r = read_file("/etc/resolv.conf"); r.ok()) host_resolv = *r;
  if (plan.mode == NetworkPlan::Mode::host) {
    out.resolv_conf = host_resolv;
    auto hosts = read_file("/etc/hosts");
    out.hosts = hosts.ok() ? *hosts : "127.0.0.1\tlocalhost\n";
    return out;
  }
  out.hosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
  if (!plan.hostname.empty()) out.hosts += "127.0.1.1\t" + plan.hostname + "\n";
  for (const auto& eh : plan.extra_hosts) out.hosts += eh.ip + "\t" + eh.host + "\n";
  out.resolv_conf = "";  // none: no network, no resolver
  return out;
}

namespace detail {

Status plan_networking(PlanContext& ctx) {
  PIER_TRY(ctx.plan.network, plan_network(ctx));
  const NetworkPlan& net_plan = ctx.plan.network;
  // none: the hook only brings loopback up.
  ctx.plan.network_attach = net_plan.mode == NetworkPlan::Mode::bridge || net_plan.mode == NetworkPlan::Mode::none;
  // /etc/hosts and resolv.conf are rewritten in place once the addresses are known
  // (files are bind-mounted by inode, so the content must change, not the file). They
  // stay files 0 and 1 of the plan's own (supervisor: attach_network).
  if (net_plan.mode != NetworkPlan::Mode::shared) {
    NetworkFiles files = files_without_bridge(net_plan);
    auto& out = ctx.plan.spec.files;
    out.push_back({"/etc/hosts", files.hosts});
    out.push_back({"/etc/resolv.conf", files.resolv_conf});
    out.push_back({"/etc/hostname", ctx.plan.spec.hostname + "\n"});
  }
  return {};
}

}  // namespace detail

}  // namespace pier::plan
