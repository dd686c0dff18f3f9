// Container output as Docker Compose prints it: `web-1  | text`, the prefix padded to
// the longest name known plus one, one colour per container from Compose's palette.
// Formatting is pure (format_prefix/format_entry); LogPrinter adds the state (names,
// widths, colours) and the FILE*s.
#pragma once

#include <array>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>

#include "supervisor/logs/log_entry.h"

namespace pier::app::logs {

// Entries as the supervisor's writer stores them (supervisor/logs/log_entry.h).
using supervisor::logs::LogEntry;
using supervisor::logs::Stream;

struct PrinterOptions {
  bool color = false;       // see app::color_wanted() (app/terminal.h)
  bool prefix = true;       // off with --no-log-prefix
  bool timestamps = false;  // -t: the entry's time after the prefix
};

// Compose's rainbow, in its order: cyan, yellow, green, magenta, blue, then the same
// five in bold ("intense").
inline constexpr std::array<std::string_view, 10> kPalette = {
    "36", "33", "32", "35", "34", "36;1", "33;1", "32;1", "35;1", "34;1"};


// "web-1  | " with the name left-aligned in `width` columns; wrapped in the ANSI
// colour `color` (e.g. "36") when it is not empty.
std::string format_prefix(std::string_view name, size_t width, std::string_view color);

// The printed form of one entry: every line of its text (an entry without a final
// newline gets one) after `prefix` and, with `timestamps`, the entry's time with nine
// fraction digits and a space.
std::string format_entry(std::string_view prefix, const LogEntry& entry, bool timestamps);

class LogPrinter {
 public:
  // stderr entries go to `err` (as Compose does), or to `out` if it is null.
  LogPrinter(PrinterOptions options, FILE* out, FILE* err = nullptr);

  // Registers a container: the next palette colour, and every prefix widened to the
  // longest name plus one. Names already known keep their colour.
  void add_name(const std::string& name);
  // Prints one entry of a container (registering it if it is new).
  void print(const std::string& name, const LogEntry& entry);
  void flush();

  const PrinterOptions& options() const { return options_; }
  size_t width() const { return width_; }

 private:
  struct Presenter {
    std::string color;
    std::string prefix;
  };
  void update_prefixes();

  PrinterOptions options_;
  FILE* out_;
  FILE* err_;
  FILE* last_ = nullptr;  // where the previous line went
  std::map<std::string, Presenter> presenters_;
  size_t next_color_ = 0;
  size_t width_ = 0;
};

}  // namespace pier::app::logs
