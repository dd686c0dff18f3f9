#include "app/images/progress_printer.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "app/images/format.h"

namespace pier::app::images {

using namespace pier::image;  // the commands speak the image library's types
namespace {

constexpr const char* kSpinner[] = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};

// Display cells of UTF-8 text whose characters are all one cell wide.
size_t cells(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

// Cuts `s` to `max` cells, so no row wraps (which would break the cursor arithmetic).
std::string cut(const std::string& s, size_t max) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && n++ == max) return s.substr(0, i);
  }
  return s;
}

std::string seconds(std::chrono::steady_clock::duration d) {
  return fmt::format("{:.1f}s", std::chrono::duration<double>(d).count());
}

// `left` then `right` flush with the last column.
std::string row(const std::string& left, const std::string& right, size_t width) {
  size_t used = cells(left) + cells(right);
  if (used + 1 >= width) return cut(left + " " + right, width - 1);
  return left + std::string(width - 1 - used, ' ') + right;
}

bool layer_final(const std::string& status) { return status == "Pull complete" || status == "Already exists"; }

}  // namespace

std::string progress_bar(uint64_t current, uint64_t total, int width) {
  if (total == 0 || width <= 0) return "[" + std::string(std::max(width, 0), ' ') + "]";
  int filled = static_cast<int>(std::min<uint64_t>(current, total) * static_cast<uint64_t>(width) / total);
  std::string bar = std::string(filled, '=');
  if (filled < width) bar += '>';
  bar += std::string(width - static_cast<int>(bar.size()), ' ');
  return "[" + bar + "]";
}

ProgressPrinter::ProgressPrinter(std::FILE* out, bool live, bool quiet, std::string title)
    : out_(out), live_(live), quiet_(quiet), title_(std::move(title)) {
  if (quiet_ || !live_) return;
  winsize ws{};
  if (::ioctl(::fileno(out_), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20) width_ = ws.ws_col;
  ticker_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!finished_) {
      wake_.wait_for(lock, std::chrono::milliseconds(100));
      if (finished_) break;
      ++frame_;
      redraw();
    }
  });
}

ProgressPrinter::~ProgressPrinter() { finish(); }

void ProgressPrinter::finish() {
  {
    std::lock_guard lock(mutex_);
    if (finished_) return;
    finished_ = true;
    if (live_ && !quiet_) redraw();
  }
  wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
}

ProgressPrinter::Image& ProgressPrinter::image(const std::string& name) {
  for (auto& i : images_)
    if (i.name == name) return i;
  images_.push_back(Image{name, "Waiting", Outcome::working, false, {}, {}, {}});
  return images_.back();
}

void ProgressPrinter::expect(const std::vector<std::string>& names) {
  std::lock_guard lock(mutex_);
  for (const auto& n : names) image(n);
}

void ProgressPrinter::status(const std::string& name, const std::string& text, Outcome outcome) {
  if (quiet_) return;
  std::lock_guard lock(mutex_);
  Image& img = image(name);
  auto now = Clock::now();
  if (!img.started) {
    img.started = true;
    img.begun = now;
  }
  img.status = text;
  img.outcome = outcome;
  if (outcome != Outcome::working) img.ended = now;
  if (!live_) {
    fmt::print(out_, " {} {}\n", name, text);
    std::fflush(out_);
    return;
  }
  redraw();
}

void ProgressPrinter::layer(const std::string& name, const LayerProgress& p) {
  if (quiet_) return;
  std::lock_guard lock(mutex_);
  Image& img = image(name);
  Layer* l = nullptr;
  for (auto& x : img.layers)
    if (x.id == p.id) l = &x;
  auto now = Clock::now();
  if (!l) {
    img.layers.push_back(Layer{p.id, "", 0, 0, now, {}});
    l = &img.layers.back();
  }
  bool changed = l->status != p.status;
  l->status = p.status;
  l->current = p.current;
  l->total = p.total;
  if (layer_final(p.status)) l->ended = now;
  if (!live_) {
    if (!changed) return;
    std::string text = p.status;
    if (p.status == "Downloading" && p.total) text += " " + human_size(p.total);
    fmt::print(out_, " {} {} {}\n", name, p.id, text);
    std::fflush(out_);
    return;
  }
  if (changed) redraw();  // byte counts wait for the ticker
}

std::vector<std::string> ProgressPrinter::render() const {
  auto now = Clock::now();
  size_t done = 0;
  for (const auto& i : images_)
    if (i.outcome != Outcome::working) ++done;
  std::vector<std::string> rows;
  rows.push_back(fmt::format("[+] {} {}/{}", title_, done, images_.size()));
  const char* spin = kSpinner[frame_ % 10];
  for (const auto& i : images_) {
    if (!i.started) continue;
    const char* mark = i.outcome == Outcome::done      ? "✔"
                       : i.outcome == Outcome::failed  ? "✘"
                       : i.outcome == Outcome::warning ? "!"
                                                       : spin;
    auto elapsed = (i.outcome == Outcome::working ? now : i.ended) - i.begun;
    rows.push_back(row(fmt::format(" {} {} {}", mark, i.name, i.status), seconds(elapsed), width_));
    if (i.outcome != Outcome::working) continue;  // a finished image folds its layers
    for (const auto& l : i.layers) {
      bool final = layer_final(l.status);
      std::string text = fmt::format("   {} {} {}", final ? "✔" : spin, l.id, l.status);
      if (l.status == "Downloading" && l.total)
        text += fmt::format(" {} {:>7}/{}", progress_bar(l.current, l.total, 20), human_size(l.current),
                            human_size(l.total));
      rows.push_back(row(text, seconds((final ? l.ended : now) - l.started), width_));
    }
  }
  return rows;
}

void ProgressPrinter::redraw() {
  if (!live_ || quiet_) return;
  auto rows = render();
  std::string text;
  if (drawn_) text += fmt::format("\x1b[{}A", drawn_);  // back to the block's first row
  for (const auto& r : rows) text += "\r\x1b[2K" + r + "\n";
  // Rows that disappeared (folded layers) are cleared, then the cursor comes back up.
  if (drawn_ > rows.size()) {
    size_t extra = drawn_ - rows.size();
    for (size_t k = 0; k < extra; ++k) text += "\x1b[2K\n";
    text += fmt::format("\x1b[{}A", extra);
  }
  drawn_ = rows.size();
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
}

}  // namespace pier::app::images
