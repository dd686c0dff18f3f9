#include "net/ip.h"

#include <fmt/format.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstring>

#include "base/strings.h"

namespace pier::net {

Result<IpAddress> IpAddress::parse(std::string_view text) {
  std::string s(text);
  IpAddress ip;
  if (inet_pton(AF_INET, s.c_str(), ip.bytes.data()) == 1) {
    ip.family = AF_INET;
    return ip;
  }
  if (inet_pton(AF_INET6, s.c_str(), ip.bytes.data()) == 1) {
    ip.family = AF_INET6;
    return ip;
  }
  return Error(fmt::format("invalid IP address `{}`", text));
}

IpAddress IpAddress::v4(uint32_t host_order) {
  IpAddress ip;
  ip.family = AF_INET;
  uint32_t be = htonl(host_order);
  std::memcpy(ip.bytes.data(), &be, 4);
  return ip;
}

bool IpAddress::is_v4() const { return family == AF_INET; }

uint32_t IpAddress::to_v4() const {
  uint32_t be;
  std::memcpy(&be, bytes.data(), 4);
  return ntohl(be);
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (!valid()) return "<unset>";
  inet_ntop(family, bytes.data(), buf, sizeof buf);
  return buf;
}

Result<Subnet> Subnet::parse(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos)
    return Error(fmt::format("invalid subnet `{}`: expected address/prefix", text));
  PIER_TRY(auto ip, IpAddress::parse(text.substr(0, slash)));
  int max = ip.is_v4() ? 32 : 128;
  int prefix = -1;
  auto digits = text.substr(slash + 1);
  if (!digits.empty() && digits.size() <= 3 &&
      digits.find_first_not_of("0123456789") == std::string_view::npos)
    prefix = std::stoi(std::string(digits));
  if (prefix < 0 || prefix > max)
    return Error(fmt::format("invalid subnet `{}`: prefix must be 0..{}", text, max));
  Subnet net{ip, prefix};
  // Normalise: clear host bits, as Docker does for "10.1.2.3/24".
  for (int bit = prefix; bit < max; ++bit) net.address.bytes[bit / 8] &= ~(0x80 >> (bit % 8));
  return net;
}

bool Subnet::contains(const IpAddress& ip) const {
  if (ip.family != address.family) return false;
  for (int bit = 0; bit < prefix; ++bit) {
    uint8_t mask = 0x80 >> (bit % 8);
    if ((ip.bytes[bit / 8] & mask) != (address.bytes[bit / 8] & mask)) return false;
  }
  return true;
}

bool Subnet::overlaps(const Subnet& other) const {
  if (other.address.family != address.family) return false;
  return prefix <= other.prefix ? contains(other.address) : other.contains(address);
}

uint64_t Subnet::size() const {
  int host_bits = (address.is_v4() ? 32 : 128) - prefix;
  return host_bits >= 63 ? (uint64_t(1) << 63) : (uint64_t(1) << host_bits);
}

std::optional<IpAddress> Subnet::host(uint64_t index) const {
  if (index >= size()) return std::nullopt;
  IpAddress ip = address;
  // Add index to the low 64 bits, byte by byte with carry.
  int last = static_cast<int>(address.size()) - 1;
  unsigned carry = 0;
  for (int i = last; i >= 0 && (index || carry); --i) {
    unsigned sum = ip.bytes[i] + (index & 0xff) + carry;
    ip.bytes[i] = sum & 0xff;
    carry = sum >> 8;
    index >>= 8;
  }
  return ip;
}

uint64_t Subnet::index_of(const IpAddress& ip) const {
  uint64_t diff = 0;
  int n = static_cast<int>(address.size());
  for (int i = std::max(0, n - 8); i < n; ++i) diff = (diff << 8) | ip.bytes[i];
  uint64_t base = 0;
  for (int i = std::max(0, n - 8); i < n; ++i) base = (base << 8) | address.bytes[i];
  return diff - base;
}

std::string Subnet::to_string() const { return fmt::format("{}/{}", address.to_string(), prefix); }

}  // namespace pier::net
