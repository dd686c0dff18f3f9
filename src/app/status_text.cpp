#include "app/status_text.h"

#include <ctime>

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

std::string ports_text(const std::vector<state::PublishedPort>& ports) {
  std::string out;
  for (const auto& p : ports) {
    if (!out.empty()) out += ", ";
    std::string ip = p.host_ip.find(':') != std::string::npos ? "[" + p.host_ip + "]" : p.host_ip;
    out += fmt::format("{}:{}->{}/{}", ip, p.host_port, p.container_port, p.protocol);
  }
  return out;
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
