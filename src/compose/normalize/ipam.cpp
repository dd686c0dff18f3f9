// networks.<name>.ipam: the driver, its options and the address pools. Every address
// is checked here, so a bad one fails `pier config` at its line instead of `up`.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <fmt/format.h>

#include "compose/normalize/common.h"

namespace pier::compose::detail {

namespace {

// The family of an IPv4 or IPv6 address, 0 when `text` is neither.
int address_family(const std::string& text) {
  unsigned char buf[sizeof(struct in6_addr)];
  if (inet_pton(AF_INET, text.c_str(), buf) == 1) return AF_INET;
  if (inet_pton(AF_INET6, text.c_str(), buf) == 1) return AF_INET6;
  return 0;
}

bool is_cidr(const std::string& text) {
  auto slash = text.find('/');
  if (slash == std::string::npos) return false;
  int family = address_family(text.substr(0, slash));
  std::string digits = text.substr(slash + 1);
  if (!family || digits.empty() || digits.size() > 3 || digits.find_first_not_of("0123456789") != std::string::npos)
    return false;
  return std::stoi(digits) <= (family == AF_INET ? 32 : 128);
}

Result<std::string> read_cidr(const Node& node, const std::string& key) {
  PIER_TRY(std::string text, read_string(node, key));
  if (!is_cidr(text))
    return error_at(node, fmt::format("`{}` must be a subnet in CIDR form (like 172.28.0.0/16), got `{}`", key, text));
  return text;
}

Result<std::string> read_address(const Node& node, const std::string& key) {
  PIER_TRY(std::string text, read_string(node, key));
  if (!address_family(text)) return error_at(node, fmt::format("`{}` must be an IP address, got `{}`", key, text));
  return text;
}

Result<IpamPool> read_pool(const Node& node, const std::string& key) {
  PIER_CHECK(expect_mapping(node, key));
  PIER_CHECK(check_keys(node, {"subnet", "ip_range", "gateway", "aux_addresses"}));
  IpamPool pool;
  if (const Node* x = node.find("subnet")) { PIER_TRY(pool.subnet, read_cidr(*x, key + ".subnet")); }
  if (const Node* x = node.find("ip_range")) { PIER_TRY(pool.ip_range, read_cidr(*x, key + ".ip_range")); }
  if (const Node* x = node.find("gateway")) { PIER_TRY(pool.gateway, read_address(*x, key + ".gateway")); }
  if (const Node* x = node.find("aux_addresses")) {
    PIER_CHECK(expect_mapping(*x, key + ".aux_addresses"));
    for (const auto& e : x->entries()) {
      PIER_TRY(pool.aux_addresses[e.key], read_address(e.value, key + ".aux_addresses." + e.key));
    }
  }
  pool.extensions = read_extensions(node);
  return pool;
}

}  // namespace

Result<Ipam> normalize_ipam(const Node& node) {
  PIER_CHECK(expect_mapping(node, "ipam"));
  PIER_CHECK(check_keys(node, {"driver", "config", "options"}));
  Ipam ipam;
  if (const Node* x = node.find("driver")) { PIER_TRY(ipam.driver, read_string(*x, "ipam.driver")); }
  if (const Node* x = node.find("config")) {
    if (!x->is_sequence()) return type_error(*x, "ipam.config", "a sequence");
    for (size_t i = 0; i < x->items().size(); ++i) {
      PIER_TRY(auto pool, read_pool(x->items()[i], fmt::format("ipam.config[{}]", i)));
      ipam.config.push_back(std::move(pool));
    }
  }
  if (const Node* x = node.find("options")) { PIER_TRY(ipam.options, read_string_map(*x, "ipam.options")); }
  ipam.extensions = read_extensions(node);
  return ipam;
}

}  // namespace pier::compose::detail
