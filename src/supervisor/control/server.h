// The control socket: a Unix stream socket in the project's run directory that the
// CLI talks to in JSON lines (protocol.h). One request per connection; the reply is a stream of
// event lines and one final line, `{"done":true}` or `{"done":true,"error":"..."}`.
// Streaming requests (`events`) end when the client hangs up. A supervisor about to exit
// takes no more requests: it answers `{"done":true,"exiting":true,"error":"..."}`
// without acting on them (Server::begin_exit).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "base/unique_fd.h"
#include "event/loop.h"
#include "supervisor/control/protocol.h"

namespace pier::supervisor::control {

class Connection;

// Handed to a request handler: lines go to the client as they are produced. A Reply
// outlives its connection safely (writes to a closed client are dropped).
class Reply {
 public:
  explicit Reply(std::weak_ptr<Connection> connection) : connection_(std::move(connection)) {}
  void event(const nlohmann::json& line) const;
  void finish(const Status& status) const;
  // The client hung up (Ctrl-C on `pier up`, end of `pier events`).
  bool closed() const;
  void on_close(std::function<void()> fn) const;
  // The fds the client passed with its request (SCM_RIGHTS), once.
  std::vector<UniqueFd> take_fds() const;

 private:
  std::weak_ptr<Connection> connection_;
};

// Called with each request, parsed (a malformed one is answered here, never handed on).
using Handler = std::function<void(const Request& request, Reply reply)>;

class Server {
 public:
  // Binds `path` (a stale socket file is replaced: the caller holds the project lock).
  static Result<std::unique_ptr<Server>> listen(event::Loop& loop, std::string path, Handler handler);
  ~Server();
  size_t connections() const { return connections_.size(); }
  // Connections greeted whose request has not been read yet.
  size_t awaiting_requests() const;
  // The supervisor has decided to exit. No request is handed to the handler from now
  // on: each connection whose request is not read yet is answered `exiting`, and no new
  // connection is accepted (one still in the backlog is reset before its greeting when
  // the socket closes). Either way its client knows that nothing was done and may send
  // the request to a new supervisor; a request cut off by the exit could have been
  // half done.
  void begin_exit();

 private:
  Server(event::Loop& loop, std::string path, UniqueFd fd, Handler handler);
  void accept_all();
  void back_off(int err);
  void drop(Connection* connection);

  static constexpr event::Duration kAcceptRetry{200};

  event::Loop& loop_;
  std::string path_;
  UniqueFd fd_;
  Handler handler_;
  std::unique_ptr<event::FdWatch> watch_;
  std::unique_ptr<event::Timer> retry_;
  bool backing_off_ = false;
  bool exiting_ = false;
  std::map<Connection*, std::shared_ptr<Connection>> connections_;
  friend class Connection;
};

}  // namespace pier::supervisor::control
