// Kernel object names derived from the project, so `down` and crash recovery can
// find every bridge, veth and nft table a project made (design rule 4).
#pragma once

#include <string>

namespace pier::net {

// "pier-1a2b3c4d": ≤ 15 chars (IFNAMSIZ), stable for (project, network).
std::string bridge_name(const std::string& project, const std::string& network);
// "pv" + 12 hex: the host end of a container's veth on one network.
std::string host_veth_name(const std::string& project, const std::string& network,
                           const std::string& container);
// A link name pier may create, adopt or write into nftables rules (`oifname "<name>"`):
// 1 to 15 (IFNAMSIZ - 1) of [A-Za-z0-9_.-], starting with a letter or digit. The kernel
// takes more (quotes, say), which would end the rule's string.
bool is_link_name(const std::string& name);
// "pier_<project>": the project's nftables table (one per family).
std::string nft_table_name(const std::string& project);

inline constexpr const char* kBridgePrefix = "pier-";
inline constexpr const char* kVethPrefix = "pv";

}  // namespace pier::net
