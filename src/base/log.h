// The logging facade. spdlog is used only behind this header (design.md).
#pragma once

#include <fmt/format.h>

#include <string_view>

namespace pier::log {

enum class Level { trace, debug, info, warn, error, off };

void set_level(Level level);
Level level();
// Parses "debug", "info", "warn"/"warning", "error", "trace", "off"; false if unknown.
bool parse_level(std::string_view text, Level& out);

void write(Level level, std::string_view message);

template <class... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::debug) write(Level::debug, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::info) write(Level::info, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::warn) write(Level::warn, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::error) write(Level::error, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace pier::log
