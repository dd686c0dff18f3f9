// The control socket while the supervisor exits: a request it did not take is answered
// in a way the CLI can tell apart from one cut off half done, so the CLI may send it
// again to a new supervisor.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "event/loop.h"
#include "app/control_client.h"
#include "supervisor/control/server.h"

using namespace pier;
using namespace pier::supervisor::control;
using namespace std::chrono_literals;

namespace {

// A run directory: the socket, and this process as its supervisor (the client checks
// that the supervisor named there is alive while it waits).
struct RunDir {
  std::string path;
  RunDir() {
    char tmpl[] = "/tmp/pier-control-XXXXXX";
    path = ::mkdtemp(tmpl);
    std::ofstream(path + "/supervisor.pid") << ::getpid() << "\n";
  }
  ~RunDir() { std::filesystem::remove_all(path); }
  std::string socket() const { return path + "/control.sock"; }
};

}  // namespace

TEST_CASE("a request sent after the supervisor decided to exit is refused, not handled", "[control]") {
  RunDir dir;
  auto loop = std::move(event::make_uv_loop()).value();
  std::atomic<int> handled = 0;
  auto server = std::move(Server::listen(*loop, dir.socket(), [&](const Request&, Reply reply) {
                            handled++;
                            reply.finish({});
                          })).value();
  std::promise<void> decided;
  Status result;
  bool done = false;
  std::thread cli([&] {
    auto client = pier::app::ControlClient::connect(dir.socket());  // accepted and greeted
    if (client) {
      // The supervisor decides to exit between the greeting and the request.
      loop->post([&] {
        server->begin_exit();
        decided.set_value();
      });
      decided.get_future().wait();
      result = client->call(PingRequest{});
    } else {
      result = std::move(client).error();
    }
    loop->post([&] { done = true; });
  });
  CHECK(loop->run_until([&] { return done; }, 10s));
  cli.join();
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().errnum() == ESHUTDOWN);
  CHECK(handled == 0);
}

TEST_CASE("a client still waiting to be accepted when the supervisor exits finds no supervisor", "[control]") {
  RunDir dir;
  auto loop = std::move(event::make_uv_loop()).value();
  auto server = std::move(Server::listen(*loop, dir.socket(), [](const Request&, Reply reply) {
                            reply.finish({});
                          })).value();
  // The loop never runs: the connection stays in the listen backlog, ungreeted.
  auto connecting = std::async(std::launch::async, [&] { return pier::app::ControlClient::connect(dir.socket(), 5s); });
  std::this_thread::sleep_for(300ms);
  server->begin_exit();
  server.reset();  // closes the listening socket: the kernel resets what it holds
  auto client = connecting.get();
  REQUIRE_FALSE(client.ok());
  // As when no supervisor runs: connect_or_start starts one.
  CHECK(client.error().errnum() == ECONNREFUSED);
}
