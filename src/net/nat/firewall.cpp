#include "net/nat/firewall.h"

#include <fmt/format.h>
#include <nftables/libnftables.h>

#include <dirent.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <mutex>
#include <utility>

#include "base/strings.h"
#include "net/names.h"
#include "net/sysctl.h"

namespace pier::net::nat {
namespace {

// The nftables context of the calling thread's network namespace, made on first use and
// kept until release_contexts(). Closing the socket right after a transaction waits until
// the kernel has freed what the transaction replaced, an RCU grace period later (~8 ms):
// every supervisor applies its project's table as it starts, before its first container
// can run, so the context outlives the command and is freed once the supervisor is idle.
// A socket belongs to the namespace it was opened in, so a thread in another namespace
// gets a context of its own. Callers hold `nft_lock`: a context serves one command at a
// time.
std::mutex nft_lock;

std::map<std::pair<dev_t, ino_t>, nft_ctx*>& contexts() {
  static auto* by_netns = new std::map<std::pair<dev_t, ino_t>, nft_ctx*>;
  return *by_netns;
}

Result<nft_ctx*> context_of_this_netns() {
  struct stat ns {};
  if (::stat("/proc/thread-self/ns/net", &ns) != 0)
    return Error::system("stat", "/proc/thread-self/ns/net", errno);
  auto& ctx = contexts()[{ns.st_dev, ns.st_ino}];
  if (!ctx) {
    ctx = nft_ctx_new(NFT_CTX_DEFAULT);
    if (!ctx) return Error("cannot create nftables context");
    nft_ctx_buffer_output(ctx);
    nft_ctx_buffer_error(ctx);
  }
  return ctx;
}

// libnftables opens its netlink socket without close-on-exec. Kept for the life of the
// process, it would reach every program pier starts without closing fds first (pasta):
// each netfilter netlink socket of this process is marked, pier opens no other.
void netfilter_sockets_close_on_exec() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return;
  while (const dirent* entry = ::readdir(dir)) {
    int fd = std::atoi(entry->d_name);
    int domain = 0, protocol = 0;
    socklen_t len = sizeof domain;
    if (fd == ::dirfd(dir) || ::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0 ||
        domain != AF_NETLINK)
      continue;
    len = sizeof protocol;
    if (::getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) != 0 || protocol != NETLINK_NETFILTER) continue;
    if (int flags = ::fcntl(fd, F_GETFD); flags >= 0 && !(flags & FD_CLOEXEC)) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
  }
  ::closedir(dir);
}

// Runs nft commands; on failure the error names what was attempted and what nft said.
Result<std::string> run_nft(const std::string& what, const std::string& commands) {
  std::lock_guard lock(nft_lock);
  auto ctx = context_of_this_netns();
  if (!ctx) return std::move(ctx).error().context(what);
  int rc = nft_run_cmd_from_buffer(*ctx, commands.c_str());
  // After the command: the socket may be opened (or reopened) by any of them.
  netfilter_sockets_close_on_exec();
  // Both buffers are read after every command: reading one rewinds it for the next.
  std::string out = nft_ctx_get_output_buffer(*ctx), err = nft_ctx_get_error_buffer(*ctx);
  if (rc != 0)
    return Error(fmt::format("{}: {}", what, std::string(trim(err))))
        .hint("pier needs root (CAP_NET_ADMIN) and the nf_tables kernel module");
  return out;
}

// In an inet table, `dnat` names the family of its target; one rule per family.
// `dport` is a port or a range; a range keeps each packet's own port (its host and
// container ports are the same), so the target has no port.
std::string port_rule(const PortMapping& p, const std::string& dport, bool keep_port) {
  std::string out;
  const bool any_host = !p.host_ip.valid();
  auto to_port = [&](const std::string& addr) {
    return keep_port ? addr : fmt::format("{}:{}", addr, p.container_port);
  };
  if (p.container_ip.valid() && (any_host || p.host_ip.is_v4())) {
    std::string match = any_host ? "meta nfproto ipv4 " : fmt::format("ip daddr {} ", p.host_ip.to_string());
    out += fmt::format("    {}{} dport {} dnat ip to {}\n", match, p.protocol_name(), dport,
                       to_port(p.container_ip.to_string()));
  }
  if (p.container_ip6 && (any_host || !p.host_ip.is_v4())) {
    std::string match = any_host ? "meta nfproto ipv6 " : fmt::format("ip6 daddr {} ", p.host_ip.to_string());
    out += fmt::format("    {}{} dport {} dnat ip6 to {}\n", match, p.protocol_name(), dport,
                       to_port(fmt::format("[{}]", p.container_ip6->to_string())));
  }
  return out;
}

// Whether `next` extends a range rule that started at `first` and reached `prev`.
bool same_range(const PortMapping& first, const PortMapping& prev, const PortMapping& next) {
  return next.by_kernel && next.host_port == prev.host_port + 1 && next.container_port == prev.container_port + 1 &&
         next.protocol == first.protocol && next.host_ip == first.host_ip && next.container_ip == first.container_ip &&
         next.container_ip6 == first.container_ip6;
}

// One rule per port, except a range the kernel publishes on the same numbers inside
// and out: one rule for all of it, so `1-65535:1-65535` stays a short ruleset.
std::string port_rules(const std::vector<PortMapping>& ports, bool kernel_only) {
  std::string out;
  for (size_t i = 0; i < ports.size();) {
    const PortMapping& p = ports[i];
    if (kernel_only && !p.by_kernel) {
      ++i;
      continue;
    }
    size_t end = i + 1;
    if (p.by_kernel && p.host_port == p.container_port)
      while (end < ports.size() && same_range(p, ports[end - 1], ports[end])) ++end;
    if (end - i > 1)
      out += port_rule(p, fmt::format("{}-{}", p.host_port, ports[end - 1].host_port), true);
    else
      out += port_rule(p, std::to_string(p.host_port), false);
    i = end;
  }
  return out;
}

std::string masquerade_rules(const char* family, const std::string& bridge, const Subnet& subnet, bool internal) {
  auto sub = subnet.to_string();
  // Hairpin: a container reaching a sibling through a published port must see
  // the reply come back from the host, so the source is rewritten too.
  std::string out = fmt::format("    oifname \"{}\" {} saddr {} ct status dnat masquerade\n", bridge, family, sub);
  // A host process that reached a range's port at 127.0.0.1 (output hook): the
  // container must see, and answer, the gateway instead.
  if (std::string_view(family) == "ip")
    out += fmt::format("    oifname \"{}\" ip saddr 127.0.0.0/8 ct status dnat masquerade\n", bridge);
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
// userland proxy or, for a range, the output hook; neither passes this hook. IPv6 needs no rule: the
// kernel drops a packet for ::1 from another interface before prerouting.
constexpr const char* kLoopbackGuard = "    iifname != \"lo\" ip daddr 127.0.0.0/8 return\n";

// With route_localnet on a bridge (set when the project publishes a range), the
// kernel would deliver a packet for 127.0.0.1 that came in on it, from a container
// or a neighbour with NET_RAW or NET_ADMIN, to the host's loopback services
// (CVE-2020-8558). Such packets are dropped before anything else sees them; the
// rule is there for every bridge, route_localnet or not.
std::string loopback_drops(const ProjectFirewall& fw) {
  std::string out;
  for (const auto& n : fw.networks) out += fmt::format("    iifname \"{}\" ip daddr 127.0.0.0/8 drop\n", n.bridge);
  return out;
}

// Host processes reach a port of a range through this hook: it has no proxy
// listening. Other ports keep their proxy (it answers on the host's addresses).
std::string output_chain(const ProjectFirewall& fw) {
  if (std::none_of(fw.ports.begin(), fw.ports.end(), [](const PortMapping& p) { return p.by_kernel; })) return "";
  return fmt::format(
      "  chain local_ports {{\n{}  }}\n"
      "  chain output {{\n"
      "    type nat hook output priority -100; policy accept;\n"
      "    fib daddr type local jump local_ports\n"
      "  }}\n",
      port_rules(fw.ports, true));
}

}  // namespace

std::string render_ruleset(const ProjectFirewall& fw) {
  std::string table = nft_table_name(fw.project);
  return fmt::format(
      "table inet {0} {{\n"
      "  chain ports {{\n{1}  }}\n"
      "  chain prerouting {{\n"
      "    type nat hook prerouting priority dstnat; policy accept;\n{4}"
      "    fib daddr type local jump ports\n"
      "  }}\n"
      "{6}"
      "  chain postrouting {{\n"
      "    type nat hook postrouting priority srcnat; policy accept;\n{2}"
      "  }}\n"
      "  chain forward {{\n"
      "    type filter hook forward priority filter; policy accept;\n{3}"
      "  }}\n"
      "  chain loopback_guard {{\n"
      "    type filter hook prerouting priority raw; policy accept;\n{5}"
      "  }}\n"
      "}}\n",
      table, port_rules(fw.ports, false), postrouting_rules(fw), forward_rules(fw), kLoopbackGuard,
      loopback_drops(fw), output_chain(fw));
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
    if (words.size() == 3 && words[0] == "table" && (starts_with(words[2], "pier_") || starts_with(words[2], "pier-")))
      names.push_back(words[2]);
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

void release_contexts() {
  std::lock_guard lock(nft_lock);
  for (auto& [netns, ctx] : contexts()) nft_ctx_free(ctx);
  contexts().clear();
}

}  // namespace pier::net::nat
