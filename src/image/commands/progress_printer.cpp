#include "image/commands/progress_printer.h"

#include <fmt/format.h>

#include "image/commands/format.h"

namespace pier::image::commands {

ProgressPrinter::ProgressPrinter(std::FILE* out, bool live) : out_(out), live_(live) {}

std::string ProgressPrinter::render(const Row& r) const {
  std::string text = fmt::format("{} {}: {}", r.image, r.id, r.status);
  if (r.status == "Downloading" && r.total)
    text += fmt::format(" {}/{}", human_size(r.current), human_size(r.total));
  return text;
}

void ProgressPrinter::redraw() {
  // Move up over what was drawn last time and rewrite every row.
  if (drawn_) fmt::print(out_, "\x1b[{}A", drawn_);
  for (const auto& r : rows_) fmt::print(out_, "\x1b[2K{}\n", render(r));
  drawn_ = rows_.size();
  std::fflush(out_);
  last_draw_ = std::chrono::steady_clock::now();
}

void ProgressPrinter::update(const std::string& image, const LayerProgress& p) {
  std::lock_guard lock(mutex_);
  std::string key = image + "/" + p.id;
  Row* row = nullptr;
  for (auto& r : rows_)
    if (r.key == key) row = &r;
  if (!row) {
    rows_.push_back(Row{key, image, p.id, "", 0, 0});
    row = &rows_.back();
  }
  bool changed = row->status != p.status;
  row->status = p.status;
  row->current = p.current;
  row->total = p.total;
  if (!live_) {
    if (changed) fmt::print(out_, "{}\n", render(*row));
    return;
  }
  auto now = std::chrono::steady_clock::now();
  if (changed || now - last_draw_ > std::chrono::milliseconds(100)) redraw();
}

void ProgressPrinter::line(const std::string& text) {
  std::lock_guard lock(mutex_);
  if (live_) {
    redraw();
    rows_.clear();
    drawn_ = 0;
  }
  fmt::print(out_, "{}\n", text);
  std::fflush(out_);
}

}  // namespace pier::image::commands
