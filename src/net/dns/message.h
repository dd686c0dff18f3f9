// DNS wire format (RFC 1035): just what the embedded server needs. parse() takes
// untrusted bytes from containers and upstreams, so it bounds every read, follows
// at most a few compression pointers and never trusts a count.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "net/ip.h"

namespace pier::net::dns {

enum Type : uint16_t { kA = 1, kCname = 5, kPtr = 12, kAaaa = 28, kAny = 255 };
enum Rcode : uint16_t { kNoError = 0, kFormErr = 1, kServFail = 2, kNxDomain = 3, kNotImp = 4, kRefused = 5 };
inline constexpr uint16_t kClassIn = 1;
inline constexpr size_t kMaxUdpSize = 512;

struct Question {
  std::string name;  // lower-case, no trailing dot
  uint16_t type = 0;
  uint16_t klass = kClassIn;
};

struct Record {
  std::string name;
  uint16_t type = 0;
  uint16_t klass = kClassIn;
  uint32_t ttl = 0;
  std::vector<uint8_t> rdata;
};

struct Message {
  uint16_t id = 0;
  uint16_t flags = 0;  // QR, opcode, AA, TC, RD, RA, rcode
  std::vector<Question> questions;
  std::vector<Record> answers;

  bool is_response() const { return flags & 0x8000; }
  uint16_t opcode() const { return (flags >> 11) & 0xf; }
  uint16_t rcode() const { return flags & 0xf; }
};

// Parses header, questions and answers; authority and additional sections are skipped.
Result<Message> parse(std::span<const uint8_t> wire);
// Serialises without name compression. `max_size` > 0 truncates answers to fit and
// sets TC, as UDP replies must.
std::vector<uint8_t> serialize(const Message& msg, size_t max_size = 0);

// A reply to `query` with its id, question, RD bit and `rcode`; QR and RA set.
Message make_reply(const Message& query, uint16_t rcode);
Record address_record(const std::string& name, const IpAddress& ip, uint32_t ttl);

// Reads the 16-bit id of a raw message (0 if too short); used to match forwarded replies.
uint16_t peek_id(std::span<const uint8_t> wire);
void poke_id(std::span<uint8_t> wire, uint16_t id);

}  // namespace pier::net::dns
