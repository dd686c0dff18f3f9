#include "net/names.h"

#include <fmt/format.h>

#include <cstdint>

#include "base/hash.h"

namespace pier::net {

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
  // Compose project names allow '-' and '_'. Older pier turned '-' into '_' (kept, so the
  // tables of running projects keep their names), which gave `a-b` and `a_b` one table:
  // either project's `up` or `down` replaced the other's NAT rules. A name holding '_'
  // now keeps it under "pier-" instead (nft identifiers may hold '-'), so the two forms
  // never meet: "pier_" + a name without '_' ('-' turned '_'), "pier-" + a name with '_'.
  // The '.' of a scoped kernel name (state::ProjectPaths::kernel_name) stays in both: no
  // project name has one, so a scoped table never takes the name of a default root's.
  bool verbatim = project.find('_') != std::string::npos;
  std::string out = verbatim ? "pier-" : "pier_";
  for (char c : project) {
    bool keep = isalnum(static_cast<unsigned char>(c)) || c == '.' || (verbatim && (c == '_' || c == '-'));
    out += keep ? c : '_';
  }
  return out;
}

}  // namespace pier::net
