// The CLI's side of the control socket: blocking, one request per connection.
// The supervisor greets each connection with its pid. A connection that is not
// greeted in time, or whose supervisor is gone while the CLI waits, is an error
// naming the project and the pid: the socket can be held open by a process that no
// longer answers, and a CLI must never wait on it forever.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "base/unique_fd.h"
#include "supervisor/control/protocol.h"

namespace pier::app {

namespace control = supervisor::control;

class ControlClient {
 public:
  // ENOENT/ECONNREFUSED mean no supervisor is running (errnum() tells them apart), or
  // none that will answer: one that closed the connection before its greeting (it was
  // exiting) read nothing from it.
  // Waits up to `greeting` for the supervisor's hello.
  static Result<ControlClient> connect(const std::string& socket_path,
                                std::chrono::milliseconds greeting = std::chrono::seconds(10));

  // Sends the request and calls `on_event` for each line until `Done`; returns its
  // status. A supervisor that dies mid-request is an error saying so. One that was
  // exiting did not act on the request: that error's errnum() is ESHUTDOWN, and the
  // request may be sent to a new supervisor.
  Status call(const control::Request& request, const std::function<void(const control::ReplyLine&)>& on_event = {},
              const std::vector<int>& fds = {});

  // For requests that stream until the client stops (events): the fd to poll, and
  // sending without waiting for the reply.
  // `fds` go along with the request (SCM_RIGHTS).
  Status send(const control::Request& request, const std::vector<int>& fds = {});
  // Reads the next line; nullopt at the end of the stream. EINTR is returned as an error.
  // Waits as long as the supervisor lives (a request may take hours: `run`, `wait`).
  Result<std::optional<control::ReplyLine>> next();
  // A whole line already read: next() answers without reading the socket.
  bool has_buffered_line() const { return buffer_.find('\n') != std::string::npos; }
  int fd() const { return fd_.get(); }
  pid_t supervisor_pid() const { return pid_; }
  // The build ID of the supervisor's program (sys/build_id.h); "" from a supervisor
  // that predates it.
  const std::string& supervisor_build() const { return build_; }

 private:
  explicit ControlClient(UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  // Reads what is there; waits at most `limit` for it, then says why nothing came.
  Result<std::optional<nlohmann::json>> read_line(std::optional<std::chrono::milliseconds> limit);
  Status await_greeting(std::chrono::milliseconds limit);
  std::string project() const;
  // The two ways a connection can be dead: its supervisor gone (another process holds
  // the socket), or alive but not answering.
  Error gone(pid_t pid) const;
  Error silent(pid_t pid, std::chrono::milliseconds waited) const;
  std::string run_dir() const { return path_.substr(0, path_.rfind('/')); }
  UniqueFd fd_;
  std::string path_;
  std::string buffer_;
  pid_t pid_ = 0;
  std::string build_;
};

}  // namespace pier::app
