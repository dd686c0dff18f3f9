#include "net/dns/message.h"

#include <fmt/format.h>

#include "base/strings.h"

namespace pier::net::dns {
namespace {

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> wire) : wire_(wire) {}
  bool u16(uint16_t& out) {
    if (pos_ + 2 > wire_.size()) return false;
    out = uint16_t(wire_[pos_] << 8 | wire_[pos_ + 1]);
    pos_ += 2;
    return true;
  }
  bool u32(uint32_t& out) {
    uint16_t hi, lo;
    if (!u16(hi) || !u16(lo)) return false;
    out = uint32_t(hi) << 16 | lo;
    return true;
  }
  bool bytes(size_t n, std::vector<uint8_t>& out) {
    if (pos_ + n > wire_.size()) return false;
    out.assign(wire_.begin() + pos_, wire_.begin() + pos_ + n);
    pos_ += n;
    return true;
  }
  bool skip(size_t n) {
    if (pos_ + n > wire_.size()) return false;
    pos_ += n;
    return true;
  }
  // A possibly compressed name. Pointers must point backwards, which rules out
  // loops; the total is bounded by the 255-byte limit of RFC 1035.
  bool name(std::string& out) {
    out.clear();
    size_t pos = pos_;
    bool jumped = false;
    size_t total = 0;
    for (int hops = 0;; ++hops) {
      if (pos >= wire_.size() || hops > 127) return false;
      uint8_t len = wire_[pos];
      if ((len & 0xc0) == 0xc0) {
        if (pos + 1 >= wire_.size()) return false;
        size_t target = size_t(len & 0x3f) << 8 | wire_[pos + 1];
        if (target >= pos) return false;
        if (!jumped) pos_ = pos + 2;
        jumped = true;
        pos = target;
        continue;
      }
      if (len & 0xc0) return false;  // reserved label types
      if (len == 0) {
        if (!jumped) pos_ = pos + 1;
        return true;
      }
      if (pos + 1 + len > wire_.size() || (total += len + 1) > 255) return false;
      if (!out.empty()) out += '.';
      for (size_t i = 0; i < len; ++i) out += char(std::tolower(wire_[pos + 1 + i]));
      pos += 1 + len;
    }
  }

 private:
  std::span<const uint8_t> wire_;
  size_t pos_ = 0;
};

void put16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(v >> 8);
  out.push_back(v & 0xff);
}

void put_name(std::vector<uint8_t>& out, const std::string& name) {
  for (const auto& label : split(name, '.')) {
    if (label.empty()) continue;
    size_t n = std::min<size_t>(label.size(), 63);
    out.push_back(uint8_t(n));
    out.insert(out.end(), label.begin(), label.begin() + n);
  }
  out.push_back(0);
}

void put_record(std::vector<uint8_t>& out, const Record& r) {
  put_name(out, r.name);
  put16(out, r.type);
  put16(out, r.klass);
  put16(out, r.ttl >> 16);
  put16(out, r.ttl & 0xffff);
  put16(out, uint16_t(r.rdata.size()));
  out.insert(out.end(), r.rdata.begin(), r.rdata.end());
}

}  // namespace

Result<Message> parse(std::span<const uint8_t> wire) {
  Reader r(wire);
  Message m;
  uint16_t qd, an, ns, ar;
  if (!r.u16(m.id) || !r.u16(m.flags) || !r.u16(qd) || !r.u16(an) || !r.u16(ns) || !r.u16(ar))
    return Error("parse DNS message: shorter than its header");
  for (uint16_t i = 0; i < qd; ++i) {
    Question q;
    if (!r.name(q.name) || !r.u16(q.type) || !r.u16(q.klass))
      return Error(fmt::format("parse DNS message: question {} is truncated or malformed", i));
    m.questions.push_back(std::move(q));
  }
  for (uint16_t i = 0; i < an; ++i) {
    Record rec;
    uint16_t rdlen;
    if (!r.name(rec.name) || !r.u16(rec.type) || !r.u16(rec.klass) || !r.u32(rec.ttl) ||
        !r.u16(rdlen) || !r.bytes(rdlen, rec.rdata))
      return Error(fmt::format("parse DNS message: answer {} is truncated or malformed", i));
    m.answers.push_back(std::move(rec));
  }
  return m;
}

std::vector<uint8_t> serialize(const Message& msg, size_t max_size) {
  std::vector<uint8_t> out;
  put16(out, msg.id);
  put16(out, msg.flags);
  put16(out, uint16_t(msg.questions.size()));
  put16(out, 0);  // answer count, patched below
  put16(out, 0);
  put16(out, 0);
  for (const auto& q : msg.questions) {
    put_name(out, q.name);
    put16(out, q.type);
    put16(out, q.klass);
  }
  uint16_t answers = 0;
  for (const auto& rec : msg.answers) {
    size_t before = out.size();
    put_record(out, rec);
    if (max_size && out.size() > max_size) {
      out.resize(before);
      out[2] |= 0x02;  // TC: the client should retry over TCP
      break;
    }
    ++answers;
  }
  out[6] = answers >> 8;
  out[7] = answers & 0xff;
  return out;
}

Message make_reply(const Message& query, uint16_t rcode) {
  Message reply;
  reply.id = query.id;
  // QR=1, keep opcode and RD, RA=1.
  reply.flags = uint16_t(0x8000 | (query.flags & 0x7900) | 0x0080 | (rcode & 0xf));
  reply.questions = query.questions;
  return reply;
}

Record address_record(const std::string& name, const IpAddress& ip, uint32_t ttl) {
  Record r;
  r.name = name;
  r.type = ip.is_v4() ? kA : kAaaa;
  r.ttl = ttl;
  r.rdata.assign(ip.bytes.begin(), ip.bytes.begin() + ip.size());
  return r;
}

uint16_t peek_id(std::span<const uint8_t> wire) {
  return wire.size() < 2 ? 0 : uint16_t(wire[0] << 8 | wire[1]);
}

void poke_id(std::span<uint8_t> wire, uint16_t id) {
  if (wire.size() < 2) return;
  wire[0] = id >> 8;
  wire[1] = id & 0xff;
}

}  // namespace pier::net::dns
