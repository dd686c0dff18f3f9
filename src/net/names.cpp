#include "net/names.h"

#include <fmt/format.h>

#include <cstdint>

namespace pier::net {
namespace {
uint64_t fnv1a(const std::string& text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}
}  // namespace

std::string bridge_name(const std::string& project, const std::string& network) {
  return fmt::format("{}{:08x}", kBridgePrefix, fnv1a(project + "\n" + network) & 0xffffffffu);
}

std::string host_veth_name(const std::string& project, const std::string& network,
                           const std::string& container) {
  return fmt::format("{}{:012x}", kVethPrefix,
                     fnv1a(project + "\n" + network + "\n" + container) & 0xffffffffffffull);
}

bool is_link_name(const std::string& name) {
  if (name.empty() || name.size() > 15 || !isalnum(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name)
    if (!isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') return false;
  return true;
}

std::string nft_table_name(const std::string& project) {
  // nft identifiers: letters, digits, '_' ; compose project names also allow '-'.
  std::string out = "pier_";
  for (char c : project) out += (isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return out;
}

}  // namespace pier::net
