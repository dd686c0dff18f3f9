// The embedded DNS server on the supervisor's loop. It listens on each network's
// gateway address (UDP and TCP, port 53 in production), answers container names from
// the Registry for the asker's networks, and forwards every other name to the host's
// resolvers, answering SERVFAIL when none replies in time.
#pragma once

#include <map>
#include <memory>
#include <span>
#include <vector>

#include "base/result.h"
#include "event/loop.h"
#include "net/dns/registry.h"
#include "net/sockaddr.h"

namespace pier::net::dns {

struct ServerOptions {
  std::vector<Endpoint4or6> upstreams;  // from the host's /etc/resolv.conf
  event::Duration upstream_timeout{2000};
  uint32_t ttl = 600;  // Docker's embedded DNS uses 600 s for container names
  // Each forwarded query holds a socket until its answer or timeout, and each TCP
  // client one more: past these, a query is answered SERVFAIL at once and a new
  // TCP client is closed, so a container flooding the server cannot exhaust the
  // supervisor's file descriptors.
  size_t max_forwards = 256;
  size_t max_tcp_connections = 64;
};

class Server {
 public:
  Server(event::Loop& loop, Registry& registry, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Starts answering on ip:port (UDP and TCP); port 0 picks one free for both (tests).
  // Returns the port.
  Result<uint16_t> listen(const IpAddress& ip, uint16_t port);
  void stop_listening(const IpAddress& ip);
  size_t pending_forwards() const { return forwards_.size(); }
  size_t tcp_connections() const { return conns_.size(); }
  // Compose `dns:` for one container: its other names go to these resolvers instead
  // of the host's. An empty list restores the default.
  void set_container_upstreams(const std::string& container, std::vector<Endpoint4or6> upstreams);

  // The answer to one query from `asker`; `reply` may be called later (forwarding).
  using Reply = std::function<void(std::vector<uint8_t>)>;
  void handle(std::span<const uint8_t> query, const IpAddress& asker, Reply reply, size_t max_size);

 private:
  struct UdpListener;
  struct TcpListener;
  struct TcpConn;
  struct Forward;
  using Upstreams = std::shared_ptr<const std::vector<Endpoint4or6>>;
  void forward(std::vector<uint8_t> query, uint16_t client_id, Reply reply, Upstreams upstreams, size_t upstream);
  void finish_forward(Forward* f, std::vector<uint8_t> answer);
  void accept_tcp(TcpListener& l);
  void read_tcp(uint64_t id);
  void close_tcp(uint64_t id);

  event::Loop& loop_;
  Registry& registry_;
  ServerOptions options_;
  std::vector<std::unique_ptr<UdpListener>> udp_;
  std::vector<std::unique_ptr<TcpListener>> tcp_;
  std::map<uint64_t, std::unique_ptr<TcpConn>> conns_;
  std::map<Forward*, std::unique_ptr<Forward>> forwards_;
  uint64_t next_conn_ = 1;
  Upstreams default_upstreams_;
  std::map<std::string, Upstreams> container_upstreams_;
};

}  // namespace pier::net::dns
