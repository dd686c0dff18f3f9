// Prints pull progress: on a terminal one live line per layer, redrawn in
// place; otherwise one plain line whenever a layer's status changes.
#pragma once

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "image/registry/pull.h"

namespace pier::image::commands {

class ProgressPrinter {
 public:
  ProgressPrinter(std::FILE* out, bool live);
  void update(const std::string& image, const LayerProgress& p);
  void line(const std::string& text);  // a status line for a whole image

 private:
  struct Row {
    std::string key, image, id, status;
    uint64_t current = 0, total = 0;
  };
  void redraw();
  std::string render(const Row& r) const;

  std::FILE* out_;
  bool live_;
  std::mutex mutex_;
  std::vector<Row> rows_;
  size_t drawn_ = 0;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace pier::image::commands
