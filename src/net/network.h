// One Compose network on the host: a bridge with the gateway address, and the
// containers attached to it through veth pairs. Everything is done from the host
// side; the container namespace is reached through a netlink socket opened in it.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "base/unique_fd.h"
#include "net/ipam.h"
#include "net/netlink/socket.h"

namespace pier::net {

// A container's network namespace as the runtime hands it over (pidfd hook).
class ContainerNetns {
 public:
  // From the child's pid (opens /proc/<pid>/ns/net) or from an open namespace fd.
  static Result<ContainerNetns> from_pid(pid_t pid);
  static Result<ContainerNetns> from_fd(UniqueFd netns);
  // Loopback up; the whole setup for network_mode: none.
  Status bring_up_loopback() const;
  int fd() const { return fd_.get(); }
  const netlink::Socket& socket() const { return sock_; }

 private:
  UniqueFd fd_;
  netlink::Socket sock_;
};

struct NetworkSpec {
  std::string project;
  std::string name;          // the Compose network name
  std::string bridge;        // driver_opts bridge name, or "" for bridge_name()
  bool external = false;     // an existing bridge; never created or deleted
  bool internal = false;     // no default route, no NAT
  int mtu = 0;
  IpamConfig ipv4;
  std::optional<IpamConfig> ipv6;  // enable_ipv6
  // The whole definition as the caller hashes it (Compose's network config-hash),
  // recorded with the bridge: another hash later means another network. "" = none.
  std::string config_hash;
};

struct AttachSpec {
  std::string container;     // container name, for veth naming and messages
  std::string ifname;        // interface_name; "" = eth0 (ethN for the N-th network)
  std::optional<IpAddress> ipv4;  // ipv4_address
  std::optional<IpAddress> ipv6;
  std::string mac;           // mac_address
  bool default_route = true; // false for every network but the chosen gateway
  int gw_priority = 0;       // higher wins: metric = 1000 - gw_priority
};

struct Endpoint {
  std::string network;
  std::string host_veth;
  std::string ifname;
  IpAddress ipv4;
  std::optional<IpAddress> ipv6;
};

// An endpoint whose addresses are reserved, with everything making its link takes:
// reserved on the thread that owns the Network (Network::reserve), carried out on any
// thread (Network::apply), so that the netlink work of many starts runs side by side.
struct PreparedEndpoint {
  Endpoint endpoint;
  AttachSpec spec;  // ifname filled in
  int bridge_index = 0;
  int mtu = 0;
  bool internal = false;
  int prefix4 = 0, prefix6 = 0;
  IpAddress gateway4;
  std::optional<IpAddress> gateway6;
};

class Network {
 public:
  // Creates the bridge (unless external) with the gateway addresses, up.
  static Result<std::unique_ptr<Network>> create(const netlink::Socket& host, NetworkSpec spec);
  // Takes over the bridge that a previous supervisor of the project created (the
  // caller has checked the project's record): it must exist and carry the gateway of
  // spec's subnet. A bridge without an address (that supervisor died between
  // creating and addressing it) gets it now; a bridge with other addresses is an
  // error: the network's settings changed while its containers ran.
  static Result<std::unique_ptr<Network>> adopt(const netlink::Socket& host, NetworkSpec spec);
  // Removes the bridge unless external. Veths on it go with it.
  Status destroy();

  // reserve, then apply with this network's socket.
  Result<Endpoint> attach(const ContainerNetns& netns, const AttachSpec& spec);
  // The endpoint's addresses (spec's, or the next free ones), taken; no kernel object
  // touched. release() gives them back.
  Result<PreparedEndpoint> reserve(const AttachSpec& spec);
  // Creates the veth pair on the bridge (replacing a veth of that name an earlier run
  // left), the container's end inside `netns` with its addresses, up, and its default
  // route. `host` is a socket of the caller's own in the bridge's namespace: any thread
  // may run it. On error nothing of it is left.
  static Status apply(const netlink::Socket& host, const ContainerNetns& netns, const PreparedEndpoint& prepared);
  // A running container's endpoint as a previous supervisor recorded it: marks its
  // addresses used and leaves the container's namespace alone. False, with nothing
  // marked, when the host veth is gone (the container exited meanwhile). A veth that
  // is on no bridge or another one (this bridge was re-created) is put back on it.
  Result<bool> adopt_endpoint(const std::string& container, const Endpoint& endpoint);
  // Deletes the host end (the container end goes with it) and frees the addresses.
  // A veth already gone with its container's namespace is no error.
  Status detach(const Endpoint& endpoint);
  // Frees the endpoint's addresses and leaves its veth alone (undoes adopt_endpoint).
  void release(const Endpoint& endpoint);
  // release, of the addresses `owner` holds only: an attach abandoned after its
  // network was made anew must not free another container's address.
  void release_held(const Endpoint& endpoint, const std::string& owner);

  const NetworkSpec& spec() const { return spec_; }
  const std::string& bridge() const { return spec_.bridge; }
  IpAddress gateway() const { return v4_->gateway(); }
  const Subnet& subnet() const { return v4_->subnet(); }
  std::optional<IpAddress> gateway6() const;

 private:
  Network(const netlink::Socket& host, NetworkSpec spec) : host_(host), spec_(std::move(spec)) {}
  // The object with its address pools; no kernel object touched yet.
  static Result<std::unique_ptr<Network>> prepare(const netlink::Socket& host, NetworkSpec spec);
  Status ensure_gateway(const AddressPool& pool);
  static Status configure_container_side(const ContainerNetns& netns, const PreparedEndpoint& prepared);
  const netlink::Socket& host_;
  NetworkSpec spec_;
  int bridge_index_ = 0;
  std::optional<AddressPool> v4_;
  std::optional<AddressPool> v6_;
};

}  // namespace pier::net
