// IPv4/IPv6 addresses and subnets as plain values, so IPAM and DNS are testable
// without a kernel.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace pier::net {

struct IpAddress {
  int family = 0;  // AF_INET or AF_INET6; 0 = unset
  std::array<uint8_t, 16> bytes{};

  static Result<IpAddress> parse(std::string_view text);
  static IpAddress v4(uint32_t host_order);
  bool is_v4() const;
  bool valid() const { return family != 0; }
  size_t size() const { return is_v4() ? 4 : 16; }
  uint32_t to_v4() const;  // host order
  std::string to_string() const;
  auto operator<=>(const IpAddress&) const = default;
};

struct Subnet {
  IpAddress address;  // the network address (host bits zero)
  int prefix = 0;

  static Result<Subnet> parse(std::string_view text);  // "10.1.0.0/24"
  bool contains(const IpAddress& ip) const;
  bool overlaps(const Subnet& other) const;
  // The address `index` hosts into the subnet; nullopt past its end (or if the
  // subnet is too large to index, beyond 2^63).
  std::optional<IpAddress> host(uint64_t index) const;
  uint64_t size() const;  // number of addresses, saturated at 2^63
  uint64_t index_of(const IpAddress& ip) const;  // offset of ip from the network address
  std::string to_string() const;
  auto operator<=>(const Subnet&) const = default;
};

}  // namespace pier::net
