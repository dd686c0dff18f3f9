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

Status check_bridge_name(const std::string& name) {
  auto refuse = [&](const char* why) {
    return Error(fmt::format("bridge name `{}` is not valid: {}", name, why))
        .hint("use 1-15 letters, digits, `_`, `.` or `-`, starting with a letter or digit");
  };
  auto plain = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
  };
  if (name.empty()) return refuse("it is empty");
  if (name.size() > 15) return refuse("longer than 15 bytes (the kernel's limit for interface names)");
  for (char c : name)
    if (!plain(c)) return refuse("only letters, digits, `_`, `.` and `-` may appear in it");
  // Also rules out `.` and `..`, and names an `ip` or `nft` command line would take for an option.
  if (!isalnum(static_cast<unsigned char>(name[0]))) return refuse("it must start with a letter or digit");
  return {};
}

std::string nft_table_name(const std::string& project) {
  // nft identifiers: letters, digits, '_' ; compose project names also allow '-'.
  std::string out = "pier_";
  for (char c : project) out += (isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return out;
}

}  // namespace pier::net
