// Kernel object names derived from the project, so `down` and crash recovery can
// find every bridge, veth and nft table a project made (design rule 4). `project` is
// the project's kernel name (state::ProjectPaths::kernel_name), which tells apart
// projects of one name under different roots.
#pragma once

#include <string>

#include "base/result.h"

namespace pier::net {

// "pier-1a2b3c4d": ≤ 15 chars (IFNAMSIZ), stable for (project, network).
std::string bridge_name(const std::string& project, const std::string& network);
// "pv" + 12 hex: the host end of a container's veth on one network.
std::string host_veth_name(const std::string& project, const std::string& network,
                           const std::string& container);
// The project's nftables table (one per family): "pier_<project>" with `-` turned `_`
// for a name without `_`, "pier-<project>" as it is for a name with `_` (names.cpp).
std::string nft_table_name(const std::string& project);

// A bridge name pier may create or use (driver_opts `com.docker.network.bridge.name`,
// an external network's name, and every link it adopts): 1-15 bytes of [A-Za-z0-9_.-]
// starting with a letter or digit, since it is written into nft rule text where a quote,
// `#` or newline would change the rules.
Status check_bridge_name(const std::string& name);

inline constexpr const char* kBridgePrefix = "pier-";
inline constexpr const char* kVethPrefix = "pv";

}  // namespace pier::net
