// The progress of one request (" Container p-web-1 Started") in the form `--progress`
// asks for, as Docker Compose prints it:
//   plain  one line per event: ` Container p-web-1 Started ` (Go's Println of the id,
//          the text and an empty status: a space between, and one at each end);
//   json   one object per event: {"id":"Container p-web-1","text":"Started"};
//   tty    a block redrawn in place (the one `pier pull` draws): `[+] Running 2/2`, then
//          one row per object with a spinner (✔ when done, ✘ on error), its latest
//          status and its elapsed time;
//   quiet  nothing.
// With --dry-run each line says so ("DRY-RUN MODE - " in plain, "dry-run" in json).
// Warnings go through the view too, so the TTY view can print them below itself.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "app/terminal.h"

namespace pier::app {

class ProgressView {
 public:
  // The view the global flags ask for (progress_mode()), on status_stream().
  static std::unique_ptr<ProgressView> make();
  static std::unique_ptr<ProgressView> make(ProgressMode mode, FILE* out, bool dry_run);
  virtual ~ProgressView() = default;

  virtual void event(const std::string& id, const std::string& text) = 0;
  virtual void warning(const std::string& message);
  // The request is over: the TTY view draws its final state and its warnings.
  virtual void finish() {}

 protected:
  explicit ProgressView(FILE* out) : out_(out) {}
  FILE* out_;
};

// What an event's text says about its object: still working ("Starting", "Waiting"),
// done ("Started"), or failed ("Error").
enum class EventStatus { working, done, error };
EventStatus status_of(const std::string& text);

}  // namespace pier::app
