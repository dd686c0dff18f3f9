// A service's `networks`: a list of names or a mapping name -> attachment options.
#include "compose/normalize/common.h"

namespace pier::compose::detail {

namespace {

Status read_attachment(const Node& node, ServiceNetwork& net) {
  PIER_CHECK(check_keys(node, {"aliases", "ipv4_address", "ipv6_address", "link_local_ips",
                               "mac_address", "driver_opts", "gw_priority", "priority",
                               "interface_name"}));
  net.has_config = true;
  if (const Node* n = node.find("aliases")) { PIER_TRY(net.aliases, read_string_list(*n, "aliases")); }
  if (const Node* n = node.find("ipv4_address")) { PIER_TRY(net.ipv4_address, read_string(*n, "ipv4_address")); }
  if (const Node* n = node.find("ipv6_address")) { PIER_TRY(net.ipv6_address, read_string(*n, "ipv6_address")); }
  if (const Node* n = node.find("link_local_ips")) { PIER_TRY(net.link_local_ips, read_string_list(*n, "link_local_ips")); }
  if (const Node* n = node.find("mac_address")) { PIER_TRY(net.mac_address, read_string(*n, "mac_address")); }
  if (const Node* n = node.find("driver_opts")) { PIER_TRY(net.driver_opts, read_string_map(*n, "driver_opts")); }
  if (const Node* n = node.find("gw_priority")) { PIER_TRY(net.gw_priority, read_int(*n, "gw_priority")); }
  if (const Node* n = node.find("priority")) { PIER_TRY(net.priority, read_int(*n, "priority")); }
  if (const Node* n = node.find("interface_name")) { PIER_TRY(net.interface_name, read_string(*n, "interface_name")); }
  return {};
}

}  // namespace

Status normalize_service_networks(const Node& node, Service& service) {
  if (node.is_sequence()) {
    for (const auto& item : node.items()) {
      if (!item.is_scalar()) return type_error(item, "networks item", "a network name");
      ServiceNetwork net;
      net.mark = item.mark();
      service.networks[item.value()] = net;
    }
    return {};
  }
  if (!node.is_mapping()) return type_error(node, "networks", "a sequence or a mapping");
  for (const auto& e : node.entries()) {
    ServiceNetwork net;
    net.mark = e.key_mark;
    if (e.value.is_mapping()) { PIER_CHECK(read_attachment(e.value, net)); }
    else if (!e.value.is_null()) return type_error(e.value, "networks." + e.key, "a mapping or null");
    service.networks[e.key] = std::move(net);
  }
  return {};
}

}  // namespace pier::compose::detail
