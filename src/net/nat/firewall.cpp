#include "net/nat/firewall.h"

#include <fmt/format.h>
#include <nftables/libnftables.h>

#include <algorithm>
#include <memory>

#include "base/strings.h"
#include "net/names.h"
#include "net/sysctl.h"

namespace pier::net::nat {
namespace {

struct Ctx {
  void operator()(nft_ctx* c) const { nft_ctx_free(c); }
};

// Runs nft commands; on failure the error names what was attempted and what nft said.
Result<std::string> run_nft(const std::string& what, const std::string& commands) {
  std::unique_ptr<nft_ctx, Ctx> ctx(nft_ctx_new(NFT_CTX_DEFAULT));
  if (!ctx) return Error(fmt::format("{}: cannot create nftables context", what));
  nft_ctx_buffer_output(ctx.get());
  nft_ctx_buffer_error(ctx.get());
  if (nft_run_cmd_from_buffer(ctx.get(), commands.c_str()) != 0) {
    std::string err = nft_ctx_get_error_buffer(ctx.get());
    return Error(fmt::format("{}: {}", what, std::string(trim(err))))
        .hint("pier needs root (CAP_NET_ADMIN) and the nf_tables kernel module");
  }
  return std::string(nft_ctx_get_output_buffer(ctx.get()));
}

// In an inet table, `dnat` names the family of its target; one rule per family.
std::string port_rule(const PortMapping& p) {
  std::string out;
  const bool any_host = !p.host_ip.valid();
  if (p.container_ip.valid() && (any_host || p.host_ip.is_v4())) {
    std::string match = any_host ? "meta nfproto ipv4 " : fmt::format("ip daddr {} ", p.host_ip.to_string());
    out += fmt::format("    {}{} dport {} dnat ip to {}:{}\n", match, p.protocol_name(), p.host_port,
                       p.container_ip.to_string(), p.container_port);
  }
  if (p.container_ip6 && (any_host || !p.host_ip.is_v4())) {
    std::string match = any_host ? "meta nfproto ipv6 " : fmt::format("ip6 daddr {} ", p.host_ip.to_string());
    out += fmt::format("    {}{} dport {} dnat ip6 to [{}]:{}\n", match, p.protocol_name(), p.host_port,
                       p.container_ip6->to_string(), p.container_port);
  }
  return out;
}

std::string masquerade_rules(const char* family, const std::string& bridge, const Subnet& subnet, bool internal) {
  auto sub = subnet.to_string();
  // Hairpin: a container reaching a sibling through a published port must see
  // the reply come back from the host, so the source is rewritten too.
  std::string out = fmt::format("    oifname \"{}\" {} saddr {} ct status dnat masquerade\n", bridge, family, sub);
  if (!internal) out += fmt::format("    {} saddr {} oifname != \"{}\" masquerade\n", family, sub, bridge);
  return out;
}

std::string postrouting_rules(const ProjectFirewall& fw) {
  std::string out;
  for (const auto& n : fw.networks) {
    out += masquerade_rules("ip", n.bridge, n.subnet, n.internal);
    if (n.subnet6) out += masquerade_rules("ip6", n.bridge, *n.subnet6, n.internal);
  }
  return out;
}

std::string forward_rules(const ProjectFirewall& fw) {
  std::string out =
      "    ct state established,related accept\n"
      "    ct status dnat accept\n";
  for (const auto& n : fw.networks) {
    // Nothing enters a network from elsewhere unless it is a reply or a published
    // port; an internal network also sends nothing out.
    out += fmt::format("    oifname \"{0}\" iifname != \"{0}\" drop\n", n.bridge);
    if (n.internal) out += fmt::format("    iifname \"{0}\" oifname != \"{0}\" drop\n", n.bridge);
  }
  return out;
}

// A packet for a loopback address that did not come in on lo was sent here by a
// neighbour or a container (with NET_RAW any container can): DNAT must not turn it
// into a forwarded one, which would slip it past the kernel's martian check and into
// a port published on 127.0.0.1. Host processes reach such ports through the
// userland proxy, whose traffic never passes this hook. IPv6 needs no rule: the
// kernel drops a packet for ::1 from another interface before prerouting.
constexpr const char* kLoopbackGuard = "    iifname != \"lo\" ip daddr 127.0.0.0/8 return\n";

}  // namespace

std::string render_ruleset(const ProjectFirewall& fw) {
  std::string table = nft_table_name(fw.project);
  std::string ports;
  for (const auto& p : fw.ports) ports += port_rule(p);
  return fmt::format(
      "table inet {0} {{\n"
      "  chain ports {{\n{1}  }}\n"
      "  chain prerouting {{\n"
      "    type nat hook prerouting priority dstnat; policy accept;\n{4}"
      "    fib daddr type local jump ports\n"
      "  }}\n"
      "  chain postrouting {{\n"
      "    type nat hook postrouting priority srcnat; policy accept;\n{2}"
      "  }}\n"
      "  chain forward {{\n"
      "    type filter hook forward priority filter; policy accept;\n{3}"
      "  }}\n"
      "}}\n",
      table, ports, postrouting_rules(fw), forward_rules(fw), kLoopbackGuard);
}

Status apply_ruleset(const ProjectFirewall& fw) {
  std::string table = nft_table_name(fw.project);
  // "add table" first so "delete table" cannot fail; all three are one transaction,
  // so traffic never sees a half-built table.
  std::string commands = fmt::format("add table inet {0}\ndelete table inet {0}\n", table) + render_ruleset(fw);
  auto rc = run_nft(fmt::format("apply nftables table {}", table), commands);
  if (!rc.ok()) return std::move(rc).error();
  return {};
}

Status remove_ruleset(const std::string& project) {
  std::string table = nft_table_name(project);
  auto rc = run_nft(fmt::format("remove nftables table {}", table),
                    // `ip`: the family of the tables pier made before IPv6.
                    fmt::format("add table inet {0}\ndelete table inet {0}\nadd table ip {0}\ndelete table ip {0}\n",
                                table));
  if (!rc.ok()) return std::move(rc).error();
  return {};
}

Result<std::vector<std::string>> list_pier_tables() {
  PIER_TRY(auto out, run_nft("list nftables tables", "list tables"));
  std::vector<std::string> names;
  for (const auto& line : split(out, '\n')) {
    auto words = split(trim(line), ' ');
    if (words.size() == 3 && words[0] == "table" && starts_with(words[2], "pier_")) names.push_back(words[2]);
  }
  return names;
}

Result<bool> ruleset_exists(const std::string& project) {
  PIER_TRY(auto names, list_pier_tables());
  return std::find(names.begin(), names.end(), nft_table_name(project)) != names.end();
}

Status enable_ip_forwarding() {
  auto rc = write_sysctl("ipv4/ip_forward", "1");
  if (!rc.ok()) return std::move(rc).error().context("enable IP forwarding");
  return {};
}

Status enable_ipv6_forwarding() {
  auto rc = write_sysctl("ipv6/conf/all/forwarding", "1");
  if (!rc.ok()) return std::move(rc).error().context("enable IPv6 forwarding");
  return {};
}

}  // namespace pier::net::nat
