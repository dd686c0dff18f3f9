// Watches a project's container records directory for `pier logs -f`: a record
// appearing (a replica, a later `up`) or going away, and the directory itself being
// removed (`down`), which ends the follow.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "base/unique_fd.h"

namespace pier::app::logs {

class RecordsWatcher {
 public:
  // Fails if the directory does not exist: the caller decides what that means.
  static Result<std::unique_ptr<RecordsWatcher>> open(std::string dir);

  // Readable when something in the directory changed (non-blocking, close-on-exec).
  int fd() const { return inotify_.get(); }

  // Drains fd(); false once the directory has been removed or moved away.
  Result<bool> drain();

 private:
  explicit RecordsWatcher(std::string dir) : dir_(std::move(dir)) {}

  std::string dir_;
  UniqueFd inotify_;
  bool gone_ = false;
};

}  // namespace pier::app::logs
