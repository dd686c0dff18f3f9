// ports: short syntax `[[host_ip:]published:]target[/protocol]` (ranges expanded one
// entry per port, as Docker Compose does) and the long mapping form.
#include <arpa/inet.h>

#include "base/strings.h"
#include "compose/normalize/common.h"

namespace pier::compose::detail {

namespace {

struct PortRange {
  uint32_t first = 0;
  uint32_t last = 0;
  bool set = false;
};

bool parse_port_number(const std::string& text, uint32_t& out) {
  if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  unsigned long v = std::stoul(text);
  if (v > 65535) return false;
  out = static_cast<uint32_t>(v);
  return true;
}

bool parse_range(const std::string& text, PortRange& out) {
  if (text.empty()) return true;  // unset
  size_t dash = text.find('-');
  std::string a = text.substr(0, dash);
  std::string b = dash == std::string::npos ? a : text.substr(dash + 1);
  if (!parse_port_number(a, out.first) || !parse_port_number(b, out.last)) return false;
  out.set = true;
  return out.first <= out.last;
}

// The host address a port is published on: empty (every address), IPv4 or IPv6.
// Checked here so a typo is reported at its line, not when the proxy fails to bind
// after other containers have started.
bool valid_host_ip(const std::string& ip) {
  unsigned char buf[16];
  return ip.empty() || inet_pton(AF_INET, ip.c_str(), buf) == 1 || inet_pton(AF_INET6, ip.c_str(), buf) == 1;
}

Error port_error(const Node& node, const std::string& text, const std::string& why) {
  return error_at(node, "invalid port `" + text + "`: " + why)
      .hint("use [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], e.g. \"8080:80\"");
}

// Splits "127.0.0.1:8080:80", "[::1]:8080:80", "8080:80", "80" into ip, published, target.
bool split_short_port(const std::string& spec, std::string& ip, std::string& published,
                      std::string& target) {
  std::string rest = spec;
  if (!rest.empty() && rest[0] == '[') {
    size_t close = rest.find(']');
    if (close == std::string::npos || close + 1 >= rest.size() || rest[close + 1] != ':') return false;
    ip = rest.substr(1, close - 1);
    rest = rest.substr(close + 2);
    size_t colon = rest.find(':');
    if (colon == std::string::npos) return false;
    published = rest.substr(0, colon);
    target = rest.substr(colon + 1);
    return true;
  }
  size_t last = rest.rfind(':');
  if (last == std::string::npos) {
    target = rest;
    return true;
  }
  target = rest.substr(last + 1);
  std::string head = rest.substr(0, last);
  size_t colon = head.rfind(':');
  if (colon == std::string::npos) {
    published = head;
  } else {
    ip = head.substr(0, colon);
    published = head.substr(colon + 1);
  }
  return true;
}

Status parse_short_port(const Node& node, std::vector<ServicePort>& out) {
  const std::string spec = node.value();
  std::string body = spec, protocol = "tcp";
  if (size_t slash = spec.rfind('/'); slash != std::string::npos) {
    body = spec.substr(0, slash);
    protocol = to_lower(spec.substr(slash + 1));
  }
  if (protocol != "tcp" && protocol != "udp" && protocol != "sctp")
    return port_error(node, spec, "unknown protocol `" + protocol + "`");
  std::string ip, published, target;
  if (!split_short_port(body, ip, published, target))
    return port_error(node, spec, "cannot split it into host ip, host port and container port");
  if (!valid_host_ip(ip)) return port_error(node, spec, "bad host IP `" + ip + "`");
  PortRange pub, tgt;
  if (!parse_range(target, tgt) || !tgt.set) return port_error(node, spec, "bad container port");
  if (!parse_range(published, pub)) return port_error(node, spec, "bad host port");
  uint32_t count = tgt.last - tgt.first + 1;
  bool pub_is_range = pub.set && pub.last != pub.first;
  if (pub.set && pub_is_range && count > 1 && pub.last - pub.first + 1 != count)
    return port_error(node, spec, "host and container port ranges differ in size");
  for (uint32_t i = 0; i < count; ++i) {
    ServicePort port;
    port.host_ip = ip;
    port.target = tgt.first + i;
    port.protocol = protocol;
    if (pub.set && count > 1) port.published = std::to_string(pub.first + i);
    else if (pub.set) port.published = published;  // one target: a host range stays a range
    out.push_back(std::move(port));
  }
  return {};
}

Status parse_long_port(const Node& node, std::vector<ServicePort>& out) {
  PIER_CHECK(check_keys(node, {"name", "mode", "host_ip", "target", "published", "protocol",
                               "app_protocol"}));
  ServicePort port;
  const Node* target = node.find("target");
  if (!target) return error_at(node, "port mapping has no `target`").hint("add `target: <container port>`");
  PIER_TRY(int64_t t, read_int(*target, "target"));
  if (t < 0 || t > 65535) return port_error(*target, target->value(), "out of range");
  port.target = static_cast<uint32_t>(t);
  for (const auto& e : node.entries()) {
    if (e.key == "target" || starts_with(e.key, "x-")) continue;
    PIER_TRY(std::string v, read_string(e.value, e.key));
    if (e.key == "name") port.name = v;
    else if (e.key == "mode") port.mode = v;
    else if (e.key == "host_ip") {
      if (!valid_host_ip(v)) return port_error(e.value, v, "bad host IP");
      port.host_ip = v;
    }
    else if (e.key == "protocol") port.protocol = to_lower(v);
    else if (e.key == "app_protocol") port.app_protocol = v;
    else if (e.key == "published") {
      PortRange r;
      if (!parse_range(v, r)) return port_error(e.value, v, "bad published port");
      port.published = v;
    }
  }
  if (port.mode != "ingress" && port.mode != "host")
    return error_at(*node.find("mode"), "port `mode` must be `ingress` or `host`, got `" + port.mode + "`");
  out.push_back(std::move(port));
  return {};
}

}  // namespace

Status normalize_ports(const Node& node, std::vector<ServicePort>& out) {
  if (!node.is_sequence()) return type_error(node, "ports", "a sequence");
  for (const auto& item : node.items()) {
    if (item.is_scalar()) { PIER_CHECK(parse_short_port(item, out)); }
    else if (item.is_mapping()) { PIER_CHECK(parse_long_port(item, out)); }
    else return type_error(item, "ports item", "a string or a mapping");
  }
  return {};
}

}  // namespace pier::compose::detail
