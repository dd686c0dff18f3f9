// The CLI's side of the control socket: blocking, one request per connection.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "base/unique_fd.h"

namespace pier::supervisor::control {

class Client {
 public:
  // ENOENT/ECONNREFUSED mean no supervisor is running (errnum() tells them apart).
  static Result<Client> connect(const std::string& socket_path);

  // Sends the request and calls `on_event` for each event line until the final line;
  // returns its status. A supervisor that dies mid-request is an error saying so.
  Status call(const nlohmann::json& request, const std::function<void(const nlohmann::json&)>& on_event = {},
              const std::vector<int>& fds = {});

  // For requests that stream until the client stops (events): the fd to poll, and
  // sending without waiting for the reply.
  // `fds` go along with the request (SCM_RIGHTS).
  Status send(const nlohmann::json& request, const std::vector<int>& fds = {});
  // Reads the next line; nullopt at the end of the stream. EINTR is returned as an error.
  Result<std::optional<nlohmann::json>> next();
  // A whole line already read: next() answers without reading the socket.
  bool has_buffered_line() const { return buffer_.find('\n') != std::string::npos; }
  int fd() const { return fd_.get(); }

 private:
  explicit Client(UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  UniqueFd fd_;
  std::string path_;
  std::string buffer_;
};

}  // namespace pier::supervisor::control
