// The names the embedded DNS server answers for. A container is visible only to
// containers that share one of its networks; the asker is recognised by the source
// address of its query. Names update live as containers come and go.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "net/ip.h"

namespace pier::net::dns {

struct Registration {
  std::string container;  // unique key, e.g. "proj-web-1"
  std::string network;
  std::vector<IpAddress> addresses;  // v4 and/or v6 on that network
  // Service name, container name, aliases, hostname, links aliases: all answer.
  std::vector<std::string> names;
};

class Registry {
 public:
  void add(Registration reg);
  // Forgets a container on every network (stop, restart before re-adding).
  void remove(const std::string& container);
  void remove(const std::string& container, const std::string& network);

  enum class Outcome { kAnswer, kNoData, kUnknown, kNotAContainer };
  struct Lookup {
    Outcome outcome = Outcome::kUnknown;
    std::vector<IpAddress> addresses;  // rotated: round robin over replicas
  };
  // Addresses of `family` (AF_INET/AF_INET6) for `name`, as seen by `asker`.
  // kNoData: the name exists but has no address of that family.
  // kUnknown: not a container name on the asker's networks (forward it).
  // kNotAContainer: the asker is not a known container (forward it too).
  Lookup resolve(const IpAddress& asker, const std::string& name, int family);

  // The container that owns `ip`, or "" if none does.
  std::string container_of(const IpAddress& ip) const;
  // Every network of the container that owns `ip`.
  std::vector<std::string> networks_of(const IpAddress& ip) const;

 private:
  std::vector<Registration> regs_;
  std::map<std::string, uint64_t> rotation_;  // per (network, name) round-robin counter
};

// Lower-case, without a trailing dot: how names are compared.
std::string normalise_name(const std::string& name);

}  // namespace pier::net::dns
