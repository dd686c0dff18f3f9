#include "app/logs/log_printer.h"

#include <algorithm>

#include "supervisor/logs/log_time.h"

namespace pier::app::logs {

using supervisor::logs::format_time_fixed;

std::string format_prefix(std::string_view name, size_t width, std::string_view color) {
  std::string body(name);
  if (body.size() < width) body.append(width - body.size(), ' ');
  body += " | ";
  if (color.empty()) return body;
  std::string out = "\033[";
  out += color;
  out += 'm';
  out += body;
  out += "\033[0m";
  return out;
}

std::string format_entry(std::string_view prefix, const LogEntry& entry, bool timestamps) {
  std::string stamp;
  if (timestamps) stamp = format_time_fixed(entry.time_ns) + " ";
  std::string_view text = entry.text;
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  std::string out;
  out.reserve(prefix.size() + stamp.size() + text.size() + 1);
  // Text read from a foreign log may hold several lines: each gets the prefix.
  for (;;) {
    size_t nl = text.find('\n');
    out += prefix;
    out += stamp;
    out += text.substr(0, nl);
    out += '\n';
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

LogPrinter::LogPrinter(PrinterOptions options, FILE* out, FILE* err)
    : options_(options), out_(out), err_(err ? err : out) {}

void LogPrinter::add_name(const std::string& name) {
  if (presenters_.count(name)) return;
  Presenter p;
  if (options_.color) {
    p.color = kPalette[next_color_];
    next_color_ = (next_color_ + 1) % kPalette.size();
  }
  presenters_.emplace(name, std::move(p));
  update_prefixes();
}

void LogPrinter::update_prefixes() {
  size_t longest = 0;
  for (const auto& [name, _] : presenters_) longest = std::max(longest, name.size());
  width_ = longest + 1;
  for (auto& [name, p] : presenters_)
    p.prefix = options_.prefix ? format_prefix(name, width_, p.color) : std::string();
}

void LogPrinter::print(const std::string& name, const LogEntry& entry) {
  auto it = presenters_.find(name);
  if (it == presenters_.end()) {
    add_name(name);
    it = presenters_.find(name);
  }
  std::string line = format_entry(it->second.prefix, entry, options_.timestamps);
  FILE* to = entry.stream == Stream::err ? err_ : out_;
  // Two FILEs buffer apart: flush one before writing to the other, so a terminal or a
  // `2>&1` pipe shows the lines in the order they were printed.
  if (last_ && last_ != to) std::fflush(last_);
  last_ = to;
  std::fwrite(line.data(), 1, line.size(), to);
}

void LogPrinter::flush() {
  std::fflush(out_);
  if (err_ != out_) std::fflush(err_);
}

}  // namespace pier::app::logs
