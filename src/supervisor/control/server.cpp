#include "supervisor/control/server.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/log.h"
#include "event/defer_delete.h"
#include "sys/build_id.h"

namespace pier::supervisor::control {

// One client. Reads one request line, then only writes (and notices the hang-up).
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Server& server, UniqueFd fd) : server_(server), fd_(std::move(fd)) {}

  Status start() {
    PIER_TRY(watch_, server_.loop_.watch_fd(fd_.get(), event::kReadable, [this](int events) { on_ready(events); }));
    return {};
  }

  void write_line(const nlohmann::json& line) {
    if (!fd_) return;
    out_ += line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out_ += '\n';
    flush();
  }

  void finish(const Status& status) {
    Done done;
    if (!status) done.error = status.error().to_string();
    write_line(to_json(done));
    finished_ = true;
    if (out_.empty()) close();
  }

  // Answers without reading the request: the supervisor is exiting (Server::begin_exit).
  void refuse_exiting() {
    if (dispatched_ || !fd_) return;
    dispatched_ = true;
    write_line(to_json(Done{.error = "the supervisor is exiting", .exiting = true}));
    finished_ = true;
    if (out_.empty()) close();
  }

  bool closed() const { return !fd_; }
  bool dispatched() const { return dispatched_; }
  void add_close_listener(std::function<void()> fn) { on_close_.push_back(std::move(fn)); }

 private:
  void on_ready(int events) {
    if (events & event::kWritable) flush();
    if (!(events & event::kReadable) || !fd_) return;
    char buf[65536];
    ssize_t n = receive(buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) return close();
    if (dispatched_) return;  // one request per connection; more input is ignored
    if (server_.exiting_) return refuse_exiting();
    in_.append(buf, static_cast<size_t>(n));
    auto nl = in_.find('\n');
    if (nl == std::string::npos) {
      if (in_.size() > (16u << 20)) close();
      return;
    }
    dispatched_ = true;
    auto request = nlohmann::json::parse(in_.substr(0, nl), nullptr, false);
    in_.clear();
    Reply reply(weak_from_this());
    if (request.is_discarded())
      return reply.finish(Error("malformed control request: not JSON (expected a JSON object with a string `op`)"));
    auto parsed = parse_request(request);
    if (!parsed) return reply.finish(parsed.error());
    server_.handler_(*parsed, reply);
  }

  // Reads request bytes and any fds passed along (SCM_RIGHTS: `run` hands over its
  // stdin/stdout/stderr).
  ssize_t receive(char* buf, size_t size) {
    iovec iov{buf, size};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 8)];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = ::recvmsg(fd_.get(), &msg, MSG_CMSG_CLOEXEC);
    if (n < 0) return n;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      const int* fds = reinterpret_cast<const int*>(CMSG_DATA(c));
      for (size_t i = 0; i < count; ++i) received_.emplace_back(fds[i]);
    }
    return n;
  }

 public:
  std::vector<UniqueFd> take_fds() { return std::move(received_); }

 private:
  void flush() {
    while (!out_.empty() && fd_) {
      ssize_t n = ::send(fd_.get(), out_.data(), out_.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) break;
        return close();
      }
      out_.erase(0, static_cast<size_t>(n));
    }
    if (!fd_) return;
    if (out_.empty() && finished_) return close();
    watch_->set_events(event::kReadable | (out_.empty() ? 0 : event::kWritable));
  }

  void close() {
    if (!fd_) return;
    fd_.reset();
    auto listeners = std::move(on_close_);
    for (auto& fn : listeners) fn();
    // The watch and this object go on the next iteration: we may be inside its callback.
    event::defer_delete(server_.loop_, std::move(watch_));
    event::defer_delete(server_.loop_, shared_from_this());
    server_.drop(this);
  }

  Server& server_;
  UniqueFd fd_;
  std::unique_ptr<event::FdWatch> watch_;
  std::string in_, out_;
  bool dispatched_ = false;
  bool finished_ = false;
  std::vector<std::function<void()>> on_close_;
  std::vector<UniqueFd> received_;
};

void Reply::event(const nlohmann::json& line) const {
  if (auto c = connection_.lock()) c->write_line(line);
}

void Reply::finish(const Status& status) const {
  if (auto c = connection_.lock()) c->finish(status);
}

std::vector<UniqueFd> Reply::take_fds() const {
  if (auto c = connection_.lock()) return c->take_fds();
  return {};
}

bool Reply::closed() const {
  auto c = connection_.lock();
  return !c || c->closed();
}

void Reply::on_close(std::function<void()> fn) const {
  auto c = connection_.lock();
  if (!c || c->closed()) return fn();
  c->add_close_listener(std::move(fn));
}

Result<std::unique_ptr<Server>> Server::listen(event::Loop& loop, std::string path, Handler handler) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path)
    return Error("control socket path `" + path + "` is too long for a Unix socket").hint("use a shorter --root");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return Error::system("create control socket", path, errno);
  ::unlink(path.c_str());
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return Error::system("bind control socket", path, errno);
  ::chmod(path.c_str(), 0600);
  if (::listen(fd.get(), 64) != 0) return Error::system("listen on control socket", path, errno);
  std::unique_ptr<Server> server(new Server(loop, std::move(path), std::move(fd), std::move(handler)));
  PIER_TRY(server->watch_, loop.watch_fd(server->fd_.get(), event::kReadable, [s = server.get()](int) { s->accept_all(); }));
  return server;
}

Server::Server(event::Loop& loop, std::string path, UniqueFd fd, Handler handler)
    : loop_(loop), path_(std::move(path)), fd_(std::move(fd)), handler_(std::move(handler)) {}

Server::~Server() {
  retry_.reset();
  watch_.reset();
  ::unlink(path_.c_str());
}

size_t Server::awaiting_requests() const {
  size_t n = 0;
  for (const auto& [raw, connection] : connections_) n += !connection->dispatched();
  return n;
}

void Server::begin_exit() {
  exiting_ = true;
  watch_->set_events(0);
  // refuse_exiting() may close a connection, which takes it out of connections_.
  std::vector<std::shared_ptr<Connection>> open;
  for (const auto& [raw, connection] : connections_) open.push_back(connection);
  for (const auto& connection : open) connection->refuse_exiting();
}

void Server::accept_all() {
  if (exiting_) return;  // the back-off timer may still fire
  for (;;) {
    UniqueFd client(::accept4(fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!client && (errno == EINTR || errno == ECONNABORTED)) continue;
    if (!client && errno != EAGAIN) return back_off(errno);
    if (!client) return;
    backing_off_ = false;
    auto connection = std::make_shared<Connection>(*this, std::move(client));
    if (auto st = connection->start(); !st) {
      log::warn("control socket: {}", st.error().to_string());
      continue;
    }
    connections_[connection.get()] = connection;
    // The greeting tells the client that this loop is alive, whose it is, and of which
    // build (a CLI of another build hands the project over: app/supervisor_connect.h).
    connection->write_line({{"supervisor", ::getpid()}, {"build", sys::own_build_id()}});
  }
}

// Out of fds (or memory): the pending connection stays queued and the listening socket
// stays readable, so a watch left armed would spin. Pause it and try again a little later.
void Server::back_off(int err) {
  if (!retry_) retry_ = loop_.create_timer([this] {
    watch_->set_events(event::kReadable);
    accept_all();
  });
  if (retry_->active()) return;
  if (!backing_off_) log::warn("control socket: accept: {}; retrying every {} ms", std::strerror(err), kAcceptRetry.count());
  backing_off_ = true;
  watch_->set_events(0);
  retry_->start(kAcceptRetry);
}

void Server::drop(Connection* connection) { connections_.erase(connection); }

}  // namespace pier::supervisor::control
