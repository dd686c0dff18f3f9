#include <catch2/catch.hpp>

#include <random>

#include "net/dns/message.h"

using namespace pier::net;
using namespace pier::net::dns;

namespace {
Message query_for(const std::string& name, uint16_t type, uint16_t id = 0x1234) {
  Message q;
  q.id = id;
  q.flags = 0x0100;  // RD
  q.questions.push_back({name, type, kClassIn});
  return q;
}
}  // namespace

TEST_CASE("dns query round-trips through the wire format", "[net][dns]") {
  auto wire = serialize(query_for("Web.Example.", kA));
  auto back = parse(wire);
  REQUIRE(back.ok());
  CHECK(back->id == 0x1234);
  CHECK(back->flags == 0x0100);
  REQUIRE(back->questions.size() == 1);
  CHECK(back->questions[0].name == "web.example");  // lower-cased, no trailing dot
  CHECK(back->questions[0].type == kA);
}

TEST_CASE("dns reply carries answers and flags", "[net][dns]") {
  auto q = query_for("db", kA);
  auto r = make_reply(q, kNoError);
  r.answers.push_back(address_record("db", IpAddress::parse("10.0.0.7").value(), 600));
  auto back = parse(serialize(r));
  REQUIRE(back.ok());
  CHECK(back->is_response());
  CHECK(back->rcode() == kNoError);
  CHECK(back->flags & 0x0100);
  REQUIRE(back->answers.size() == 1);
  CHECK(back->answers[0].ttl == 600);
  CHECK(back->answers[0].rdata == std::vector<uint8_t>{10, 0, 0, 7});
  CHECK(make_reply(q, kNxDomain).rcode() == kNxDomain);
}

TEST_CASE("dns parser follows backward compression pointers only", "[net][dns]") {
  // Header (1 question, 1 answer), question "a.b" A IN, answer name = pointer to 12.
  std::vector<uint8_t> wire = {0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
                               1, 'a', 1, 'b', 0, 0, 1, 0, 1,
                               0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4};
  auto m = parse(wire);
  REQUIRE(m.ok());
  CHECK(m->answers.at(0).name == "a.b");
  // A pointer to itself must be rejected, not loop forever.
  std::vector<uint8_t> loop = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1};
  CHECK_FALSE(parse(loop).ok());
  std::vector<uint8_t> short_header = {0, 1, 0};
  CHECK_FALSE(parse(short_header).ok());
}

TEST_CASE("dns serializer truncates to the UDP size and sets TC", "[net][dns]") {
  auto r = make_reply(query_for("many", kA), kNoError);
  for (int i = 0; i < 100; ++i) r.answers.push_back(address_record("many", IpAddress::v4(0x0a000000 + i), 60));
  auto wire = serialize(r, kMaxUdpSize);
  CHECK(wire.size() <= kMaxUdpSize);
  auto back = parse(wire);
  REQUIRE(back.ok());
  CHECK(back->flags & 0x0200);
  CHECK(back->answers.size() < 100);
}

TEST_CASE("dns parser survives random and mutated input", "[net][dns][fuzz]") {
  std::mt19937 rng(42);
  auto seed = serialize(query_for("service.name.example", kAaaa));
  for (int round = 0; round < 20000; ++round) {
    std::vector<uint8_t> wire = seed;
    if (round % 2) {
      wire.resize(rng() % 64);
      for (auto& b : wire) b = uint8_t(rng());
    } else {
      for (int flips = 0; flips < 4; ++flips) wire[rng() % wire.size()] = uint8_t(rng());
      wire.resize(rng() % (wire.size() + 1));
    }
    auto m = parse(wire);  // must not crash, hang or read out of bounds
    if (m.ok()) (void)serialize(*m);
  }
  SUCCEED();
}
