#include "supervisor/control/client.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pier::supervisor::control {

Result<Client> Client::connect(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return Error("control socket path `" + path + "` is too long");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return Error::system("create socket", path, errno);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return Error::system("connect to the supervisor", path, errno);
  return Client(std::move(fd), path);
}

Status Client::send(const nlohmann::json& request, const std::vector<int>& fds) {
  std::string line = request.dump() + "\n";
  size_t off = 0;
  if (!fds.empty()) {
    // The fds travel with the first byte; the rest follows as plain data.
    iovec iov{line.data(), 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 8)] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
    ssize_t n;
    do n = ::sendmsg(fd_.get(), &msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0) return Error::system("pass fds to the supervisor", path_, errno);
    off = 1;
  }
  while (off < line.size()) {
    ssize_t n = ::send(fd_.get(), line.data() + off, line.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::system("send request to the supervisor", path_, errno);
    }
    off += static_cast<size_t>(n);
  }
  return {};
}

Result<std::optional<nlohmann::json>> Client::next() {
  for (;;) {
    if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
      auto line = nlohmann::json::parse(buffer_.substr(0, nl), nullptr, false);
      buffer_.erase(0, nl + 1);
      if (line.is_discarded()) return Error("the supervisor sent a malformed reply");
      return std::optional<nlohmann::json>(std::move(line));
    }
    char buf[65536];
    ssize_t n = ::read(fd_.get(), buf, sizeof buf);
    if (n < 0) return Error::system("read from the supervisor", path_, errno);
    if (n == 0) return std::optional<nlohmann::json>();
    buffer_.append(buf, static_cast<size_t>(n));
  }
}

Status Client::call(const nlohmann::json& request, const std::function<void(const nlohmann::json&)>& on_event,
                    const std::vector<int>& fds) {
  PIER_CHECK(send(request, fds));
  for (;;) {
    auto line = next();
    if (!line && line.error().errnum() == EINTR) continue;
    if (!line) return std::move(line).error();
    if (!*line)
      return Error("the supervisor exited before answering").hint("see " + path_.substr(0, path_.rfind('/')) +
                                                                  "/supervisor.log");
    const auto& j = **line;
    if (j.value("done", false)) {
      if (j.contains("error")) return Error(j["error"].get<std::string>());
      return {};
    }
    if (on_event) on_event(j);
  }
}

}  // namespace pier::supervisor::control
