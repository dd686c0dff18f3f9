// EXPOSE 80 80/udp 8000-8010 ...: each word substituted and split (a variable may hold
// several ports), then read as Docker's nat.ParsePortSpec reads it.
#include <set>

#include "base/strings.h"
#include "builder/dockerfile/expander.h"

namespace pier::builder::detail {

namespace {

std::optional<unsigned> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) return std::nullopt;
  return value;
}

// "[ip:][hostport:]port[-port][/proto]": only the container side matters to EXPOSE.
Result<std::vector<std::string>> port_spec(std::string_view spec) {
  std::string_view container = spec.substr(spec.rfind(':') == std::string_view::npos ? 0 : spec.rfind(':') + 1);
  size_t slash = container.find('/');
  std::string_view ports = container.substr(0, slash);
  std::string proto = "tcp";
  if (slash != std::string_view::npos) {
    std::string_view p = container.substr(slash + 1);
    p = p.substr(0, p.find('/'));
    if (!p.empty()) proto = to_lower(p);
  }
  if (ports.empty()) return Error("no port");
  if (proto != "tcp" && proto != "udp" && proto != "sctp")
    return Error("the protocol `" + proto + "` is not tcp, udp or sctp");
  size_t dash = ports.find('-');
  auto first = parse_port(ports.substr(0, dash));
  auto last = dash == std::string_view::npos ? first : parse_port(ports.substr(dash + 1));
  if (!first || !last) return Error("not a port number or range (0-65535)");
  if (*last < *first) return Error("the range ends before it starts");
  std::vector<std::string> out;
  for (unsigned p = *first; p <= *last; ++p) out.push_back(std::to_string(p) + "/" + proto);
  return out;
}

}  // namespace

Result<Command> expand_expose(const Expander& ex) {
  const Instruction& ins = ex.instruction();
  if (ins.args.empty()) return ex.error("requires at least one argument");
  ExposeCommand out;
  std::set<std::string> seen;
  for (const auto& raw : ins.args) {
    PIER_TRY(auto words, ex.words(raw));
    if (!ex.settled(raw)) continue;
    for (const auto& word : words) {
      auto ports = port_spec(word);
      if (!ports) return ex.error("`" + word + "`: " + ports.error().message()).hint("write 80, 80/udp or 8000-8010");
      for (auto& port : *ports)
        if (seen.insert(port).second) out.ports.push_back(std::move(port));
    }
  }
  return Command(std::move(out));
}

}  // namespace pier::builder::detail
