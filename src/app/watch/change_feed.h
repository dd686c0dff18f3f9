// The host side of `pier watch`: inotify on a rule's path (every directory below it,
// new ones as they appear), read on the CLI's event loop, collecting the paths that
// changed until a quiet period passes, then handing them over as one batch.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "base/result.h"
#include "base/unique_fd.h"
#include "builder/context/context.h"
#include "event/loop.h"

namespace pier::app::watch {

class ChangeFeed {
 public:
  // `on_batch` gets paths relative to `root` ("" for `root` itself when it is a file),
  // ignored ones left out; it runs on the loop thread.
  using OnBatch = std::function<void(const std::set<std::string>& changed)>;
  static Result<std::unique_ptr<ChangeFeed>> start(event::Loop& loop, const std::string& root,
                                                   builder::IgnoreMatcher ignore, OnBatch on_batch);

 private:
  ChangeFeed(event::Loop& loop, std::string root, builder::IgnoreMatcher ignore, OnBatch on_batch)
      : loop_(loop), root_(std::move(root)), ignore_(std::move(ignore)), on_batch_(std::move(on_batch)) {}
  // Watches `rel` (a directory) and, recursively, the directories below it that are not ignored.
  Status add_tree(const std::string& rel);
  void read_events();

  event::Loop& loop_;
  std::string root_;
  std::string file_name_;  // set when `root_` is a file: its directory is watched
  builder::IgnoreMatcher ignore_;
  OnBatch on_batch_;
  UniqueFd inotify_;
  std::unique_ptr<event::FdWatch> watch_;
  std::unique_ptr<event::Timer> quiet_;
  std::map<int, std::string> dirs_;  // watch descriptor -> directory, relative to root_
  std::set<std::string> pending_;
};

}  // namespace pier::app::watch
