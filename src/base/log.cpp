#include "base/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>

namespace pier::log {
namespace {

std::atomic<Level> g_level{Level::info};

spdlog::logger& logger() {
  // Everything pier says about itself goes to stderr, so stdout stays clean for
  // command output (`pier config > out.yaml`).
  static auto instance = [] {
    auto l = spdlog::stderr_color_st("pier");
    l->set_pattern("%^%l%$: %v");
    l->set_level(spdlog::level::trace);
    return l;
  }();
  return *instance;
}

spdlog::level::level_enum to_spdlog(Level level) {
  switch (level) {
    case Level::trace: return spdlog::level::trace;
    case Level::debug: return spdlog::level::debug;
    case Level::info: return spdlog::level::info;
    case Level::warn: return spdlog::level::warn;
    case Level::error: return spdlog::level::err;
    case Level::off: return spdlog::level::off;
  }
  return spdlog::level::info;
}

}  // namespace

void set_level(Level level) { g_level = level; }
Level level() { return g_level; }

bool parse_level(std::string_view text, Level& out) {
  struct Name { std::string_view name; Level level; };
  static constexpr Name names[] = {
      {"trace", Level::trace}, {"debug", Level::debug}, {"info", Level::info},
      {"warn", Level::warn},   {"warning", Level::warn}, {"error", Level::error},
      {"off", Level::off},     {"fatal", Level::error}};
  for (const auto& n : names) {
    if (text.size() != n.name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < text.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(text[i])) != n.name[i]) same = false;
    if (same) {
      out = n.level;
      return true;
    }
  }
  return false;
}

void write(Level level, std::string_view message) {
  logger().log(to_spdlog(level), "{}", message);
}

}  // namespace pier::log
