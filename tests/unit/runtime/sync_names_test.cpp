// The parent names sync messages in its errors ("expected `ready`, got `pty`"), so a
// mixed-up protocol reads as words, not numbers.
#include <catch2/catch.hpp>

#include <string>

#include "runtime/process/sync.h"

using pier::runtime::Msg;
using pier::runtime::msg_name;

TEST_CASE("every sync message has a name", "[sync]") {
  CHECK(std::string(msg_name(Msg::go)) == "go");
  CHECK(std::string(msg_name(Msg::ready)) == "ready");
  CHECK(std::string(msg_name(Msg::exec)) == "exec");
  CHECK(std::string(msg_name(Msg::error)) == "error");
  CHECK(std::string(msg_name(Msg::child_pid)) == "child_pid");
  CHECK(std::string(msg_name(Msg::pty)) == "pty");
  CHECK(std::string(msg_name(Msg::mounted)) == "mounted");
  CHECK(std::string(msg_name(Msg::pivot)) == "pivot");
}

TEST_CASE("a message number outside the protocol is named unknown", "[sync]") {
  CHECK(std::string(msg_name(static_cast<Msg>(0))) == "unknown");
  CHECK(std::string(msg_name(static_cast<Msg>(99))) == "unknown");
}
