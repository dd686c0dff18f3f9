// Pull progress as `docker compose pull` shows it. On a terminal: a live block,
// redrawn in place, with a "[+] Pulling done/total" header, one row per image
// (or service) and, under an image being pulled, one row per layer (Waiting,
// Downloading [==>  ] x/y, Download complete, Extracting, Pull complete) with
// elapsed times; a finished image keeps only its own row. Otherwise: one plain
// line per change, ` <name> <status>` and ` <name> <layer> <status>`.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "image/registry/pull.h"

namespace pier::app::images {

class ProgressPrinter {
 public:
  enum class Outcome { working, done, failed, warning };

  // `live`: a terminal (ANSI cursor movement); `quiet`: print nothing at all. `title`:
  // the header's verb ("[+] Pulling 1/2"; the container progress of `up` says "Running").
  ProgressPrinter(std::FILE* out, bool live, bool quiet = false, std::string title = "Pulling");
  ~ProgressPrinter();
  ProgressPrinter(const ProgressPrinter&) = delete;
  ProgressPrinter& operator=(const ProgressPrinter&) = delete;

  // Declares the images in display order, so the header's total is known.
  void expect(const std::vector<std::string>& names);
  void status(const std::string& name, const std::string& text, Outcome outcome = Outcome::working);
  void layer(const std::string& name, const image::LayerProgress& p);
  // Final redraw; the ticker stops. Called by the destructor too.
  void finish();

 private:
  using Clock = std::chrono::steady_clock;
  struct Layer {
    std::string id, status;
    uint64_t current = 0, total = 0;
    Clock::time_point started, ended;
  };
  struct Image {
    std::string name, status;
    Outcome outcome = Outcome::working;
    bool started = false;
    Clock::time_point begun, ended;
    std::vector<Layer> layers;
  };
  Image& image(const std::string& name);
  void redraw();  // mutex_ held
  std::vector<std::string> render() const;

  std::FILE* out_;
  bool live_, quiet_;
  std::string title_;
  int width_ = 80;
  std::mutex mutex_;
  std::vector<Image> images_;
  size_t drawn_ = 0;
  unsigned frame_ = 0;
  bool finished_ = false;
  std::condition_variable wake_;
  std::thread ticker_;
};

// Renders "[=====>      ]" for `current` of `total`, `width` cells inside the brackets.
std::string progress_bar(uint64_t current, uint64_t total, int width);

}  // namespace pier::app::images
