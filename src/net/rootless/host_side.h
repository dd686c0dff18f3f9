// The network namespace pier started in: the host's, as the user sees it. A rootless
// supervisor moves into its user's rootless namespace (rootless_netns.h) and can never
// setns() back: the host's namespace belongs to the initial user namespace, where pier
// has no CAP_SYS_ADMIN (setns answers EPERM). So a thread started before the move
// stays behind, and whatever must happen on the host's side (the listening sockets of
// published ports, starting pasta) runs on it. Sockets keep the namespace they were
// made in, whichever thread uses them later.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "base/result.h"

namespace pier::net::rootless {

class HostSide {
 public:
  // Call it on a thread that is in the host's namespace, before that thread leaves it:
  // the new thread inherits the caller's namespace.
  static std::unique_ptr<HostSide> start();
  ~HostSide();
  HostSide(const HostSide&) = delete;
  HostSide& operator=(const HostSide&) = delete;

  // Runs `fn` on the host-side thread and waits for it. Calls from several threads
  // take turns.
  Status run(const std::function<Status()>& fn);

 private:
  HostSide();
  void serve();
  std::mutex mutex_;
  std::condition_variable changed_;
  const std::function<Status()>* job_ = nullptr;
  Status result_;
  bool done_ = false, stopping_ = false;
  std::mutex callers_;  // one job at a time
  std::thread thread_;
};

// Where published ports listen. A rootless supervisor sets its HostSide here once it
// has moved into its rootless namespace; unset (rootful, tests), they listen in the
// process's own namespace.
void set_published_ports_side(HostSide* side);
HostSide* published_ports_side();

}  // namespace pier::net::rootless
