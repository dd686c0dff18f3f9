#include "app/status_text.h"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <set>
#include <tuple>

#include <fmt/format.h>

namespace pier::app {

std::string human_duration(int64_t s) {
  if (s < 1) return "Less than a second";
  if (s == 1) return "1 second";
  if (s < 60) return fmt::format("{} seconds", s);
  int64_t m = s / 60;
  if (m == 1) return "About a minute";
  if (m < 60) return fmt::format("{} minutes", m);
  int64_t h = (s + 1800) / 3600;  // Docker rounds hours
  if (h == 1) return "About an hour";
  if (h < 48) return fmt::format("{} hours", h);
  if (h < 24 * 7 * 2) return fmt::format("{} days", h / 24);
  if (h < 24 * 30 * 2) return fmt::format("{} weeks", h / 24 / 7);
  if (h < 24 * 365 * 2) return fmt::format("{} months", h / 24 / 30);
  return fmt::format("{} years", h / 24 / 365);
}

std::string status_text(const state::ContainerRecord& r, int64_t now_ns) {
  using S = state::ContainerState;
  auto since = [&](int64_t t) { return human_duration(t > 0 ? (now_ns - t) / 1000000000 : 0); };
  switch (r.state) {
    case S::created: return "Created";
    case S::running: {
      std::string out = "Up " + since(r.started_at);
      if (!r.health.empty()) out += " (" + r.health + ")";
      return out;
    }
    case S::paused: return "Up " + since(r.started_at) + " (Paused)";
    case S::restarting: return fmt::format("Restarting ({}) {} ago", r.exit_code, since(r.finished_at));
    case S::exited: return fmt::format("Exited ({}) {} ago", r.exit_code, since(r.finished_at));
    case S::dead: return "Dead";
    case S::removing: return "Removal In Progress";
  }
  return "";
}

std::vector<Publisher> publishers(const state::ContainerRecord& record) {
  std::vector<Publisher> out;
  std::set<std::pair<unsigned, std::string>> published;
  for (const auto& p : record.ports) {
    out.push_back({p.host_ip, p.container_port, p.host_port, p.protocol});
    published.insert({p.container_port, p.protocol});
  }
  for (const auto& spec : record.exposed) {
    auto slash = spec.find('/');
    unsigned port = 0;
    auto digits = std::string_view(spec).substr(0, slash);
    if (std::from_chars(digits.data(), digits.data() + digits.size(), port).ec != std::errc() || port > 65535) continue;
    std::string proto = slash == std::string::npos ? "tcp" : spec.substr(slash + 1);
    if (!published.count({port, proto})) out.push_back({"", static_cast<uint16_t>(port), 0, proto});
  }
  std::sort(out.begin(), out.end(), [](const Publisher& a, const Publisher& b) {
    return std::tie(a.url, a.target_port, a.published_port, a.protocol) <
           std::tie(b.url, b.target_port, b.published_port, b.protocol);
  });
  return out;
}

std::string ports_text(std::vector<Publisher> ports) {
  // docker/cli's DisplayablePorts: sorted by container port, runs of consecutive ports
  // that share an address and protocol (unpublished, or published on the same number)
  // collapse into one range; other mappings follow one by one.
  std::sort(ports.begin(), ports.end(), [](const Publisher& a, const Publisher& b) {
    return std::tie(a.target_port, a.url, a.published_port, a.protocol) <
           std::tie(b.target_port, b.url, b.published_port, b.protocol);
  });
  auto host = [](const std::string& ip) { return ip.find(':') != std::string::npos ? "[" + ip + "]" : ip; };
  struct Group {
    std::string ip, protocol;
    unsigned first, last;
  };
  std::vector<Group> groups;  // in the order their key first appeared
  std::vector<std::string> done, mappings;
  auto group_text = [&host](const Group& g) {
    std::string range = g.first == g.last ? std::to_string(g.first) : fmt::format("{}-{}", g.first, g.last);
    if (!g.ip.empty()) range = fmt::format("{}:{}->{}", host(g.ip), range, range);
    return range + "/" + g.protocol;
  };
  for (const auto& p : ports) {
    if (!p.url.empty() && p.published_port != p.target_port) {
      mappings.push_back(fmt::format("{}:{}->{}/{}", host(p.url), p.published_port, p.target_port, p.protocol));
      continue;
    }
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&p](const Group& g) { return g.ip == p.url && g.protocol == p.protocol; });
    if (it == groups.end()) {
      groups.push_back({p.url, p.protocol, p.target_port, p.target_port});
    } else if (p.target_port == it->last + 1) {
      it->last = p.target_port;
    } else {
      done.push_back(group_text(*it));
      it->first = it->last = p.target_port;
    }
  }
  for (const auto& g : groups) done.push_back(group_text(g));
  done.insert(done.end(), mappings.begin(), mappings.end());
  std::string out;
  for (const auto& text : done) out += (out.empty() ? "" : ", ") + text;
  return out;
}

std::string command_text(const std::string& quoted, bool truncate) {
  constexpr size_t kWidth = 20;  // docker/cli's Ellipsis(command, 20): 19 characters and "…"
  if (!truncate || quoted.size() < 2 || quoted.front() != '"' || quoted.back() != '"') return quoted;
  // One unit per character of the command: an escape (\x1b, \", \n) or a UTF-8 sequence.
  std::vector<size_t> starts;
  for (size_t i = 1; i + 1 < quoted.size();) {
    starts.push_back(i);
    unsigned char c = static_cast<unsigned char>(quoted[i]);
    if (c == '\\') i += quoted[i + 1] == 'x' ? 4 : 2;
    else i += c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
  }
  if (starts.size() <= kWidth) return quoted;
  return quoted.substr(0, starts[kWidth - 1]) + "…\"";
}

std::string created_at_text(int64_t unix_ns) {
  std::time_t t = static_cast<std::time_t>(unix_ns / 1000000000);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
  return buf;
}

}  // namespace pier::app
