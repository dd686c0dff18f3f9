#include "builder/executor/build_network.h"

#include <dirent.h>
#include <signal.h>

#include <cerrno>
#include <filesystem>

#include "base/log.h"
#include "net/ipam.h"
#include "net/nat/firewall.h"
#include "net/names.h"
#include "net/netlink/links.h"
#include "net/project_record.h"

namespace pier::builder::detail {
namespace {

// Records of builds whose process is gone: their bridge and nft table go now.
void sweep_dead_builds(const net::netlink::Socket& host, const std::string& state_dir) {
  DIR* d = ::opendir(state_dir.c_str());
  if (!d) return;
  std::vector<std::string> dead;
  while (auto* e = ::readdir(d)) {
    std::string name = e->d_name;
    const std::string suffix = ".bridges";
    if (!name.starts_with("build-") || !name.ends_with(suffix)) continue;
    std::string project = name.substr(0, name.size() - suffix.size());
    pid_t pid = static_cast<pid_t>(std::atol(project.c_str() + 6));
    if (pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH) dead.push_back(project);
  }
  ::closedir(d);
  for (const auto& project : dead)
    if (auto st = net::teardown_project(host, state_dir, project); !st)
      log::warn("build network of a build that died ({}): {}", project, st.error().to_string());
}

}  // namespace

Result<std::unique_ptr<BuildNetwork>> BuildNetwork::create(const std::string& pier_root, const std::string& project) {
  std::string state_dir = pier_root + "/network";
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  if (ec) return Error::system("create directory", state_dir, ec.value());
  PIER_TRY(auto host, net::netlink::Socket::open());
  sweep_dead_builds(host, state_dir);
  std::unique_ptr<BuildNetwork> out(new BuildNetwork(std::move(host), state_dir, project));
  net::NetworkSpec spec;
  spec.project = project;
  spec.name = "default";
  spec.bridge = net::bridge_name(project, spec.name);
  PIER_TRY(auto routes, net::netlink::list_route_prefixes(out->host_));
  net::SubnetStore subnets(state_dir);
  PIER_TRY(spec.ipv4.subnet, subnets.allocate(project, spec.name, routes));
  PIER_CHECK(net::ProjectRecord(state_dir, project).add_bridge(spec.bridge));
  net::nat::ProjectFirewall fw{project, {{spec.bridge, spec.ipv4.subnet, false}}, {}};
  PIER_TRY(out->network_, net::Network::create(out->host_, std::move(spec)));
  PIER_CHECK(net::nat::enable_ip_forwarding());
  PIER_CHECK(net::nat::apply_ruleset(fw));
  return out;
}

BuildNetwork::~BuildNetwork() {
  network_.reset();
  if (auto st = net::teardown_project(host_, state_dir_, project_); !st)
    log::warn("removing the build network of {}: {}", project_, st.error().to_string());
}

Result<net::Endpoint> BuildNetwork::attach(pid_t pid, const std::string& container) {
  PIER_TRY(auto netns, net::ContainerNetns::from_pid(pid));
  PIER_CHECK(netns.bring_up_loopback());
  net::AttachSpec spec;
  spec.container = container;
  spec.ifname = "eth0";
  spec.default_route = true;
  return network_->attach(netns, spec);
}

void BuildNetwork::release(const net::Endpoint& endpoint) {
  if (auto st = network_->detach(endpoint); !st) log::warn("build network: {}", st.error().to_string());
}

}  // namespace pier::builder::detail
