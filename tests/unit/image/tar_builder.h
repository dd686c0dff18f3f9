// Builds ustar archives in memory, so tests can craft exactly the members a
// hostile layer would contain.
#pragma once

#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <string>

namespace pier::test {

class TarBuilder {
 public:
  TarBuilder& file(const std::string& name, const std::string& data, unsigned mode = 0644, unsigned uid = 0,
                   unsigned gid = 0) {
    add(name, '0', data, mode, "", uid, gid);
    return *this;
  }
  TarBuilder& dir(const std::string& name, unsigned mode = 0755) {
    add(name, '5', "", mode, "");
    return *this;
  }
  TarBuilder& symlink(const std::string& name, const std::string& target) {
    add(name, '2', "", 0777, target);
    return *this;
  }
  TarBuilder& hardlink(const std::string& name, const std::string& target) {
    add(name, '1', "", 0644, target);
    return *this;
  }
  TarBuilder& chardev(const std::string& name, unsigned major, unsigned minor) {
    add(name, '3', "", 0666, "", 0, 0, major, minor);
    return *this;
  }
  TarBuilder& fifo(const std::string& name) {
    add(name, '6', "", 0644, "");
    return *this;
  }
  // A PAX header carrying xattrs for the next member.
  TarBuilder& xattrs(const std::map<std::string, std::string>& attrs) {
    std::string records;
    for (const auto& [k, v] : attrs) records += record("SCHILY.xattr." + k + "=" + v);
    add("PaxHeaders/x", 'x', records, 0644, "");
    return *this;
  }
  // An old-GNU sparse file ('S'): `data` at `offset`, the rest holes, `apparent`
  // bytes long. Numbers too large for octal use base-256, as GNU tar writes them.
  TarBuilder& sparse(const std::string& name, const std::string& data, unsigned long offset, unsigned long apparent) {
    add(name, 'S', data, 0644, "", 0, 0, 0, 0, [&](char* h) {
      std::memcpy(h + 257, "ustar  ", 8);  // GNU magic and version: "ustar  \0"
      number(h + 386, 12, offset);           // sparse[0].offset
      number(h + 398, 12, data.size());      // sparse[0].numbytes
      number(h + 483, 12, apparent);         // realsize
    });
    return *this;
  }
  // A regular file whose header claims `declared` bytes, whatever `data` holds.
  TarBuilder& declared(const std::string& name, const std::string& data, unsigned long declared) {
    add(name, '0', data, 0644, "", 0, 0, 0, 0, [&](char* h) { number(h + 124, 12, declared); });
    return *this;
  }
  std::string finish() const { return out_ + std::string(1024, '\0'); }

 private:
  static std::string record(const std::string& kv) {
    // "<len> key=value\n" where len counts itself.
    size_t len = kv.size() + 3;
    for (;;) {
      std::string r = std::to_string(len) + " " + kv + "\n";
      if (r.size() == len) return r;
      len = r.size();
    }
  }
  static void octal(char* field, size_t width, unsigned long value) {
    std::string digits(width - 1, '0');
    for (size_t i = width - 1; i-- > 0 && value; value >>= 3) digits[i] = static_cast<char>('0' + (value & 7));
    digits.copy(field, width - 1);
  }
  static void number(char* field, size_t width, unsigned long value) {
    if (value >> (3 * (width - 1)) == 0) return octal(field, width, value);
    std::memset(field, 0, width);
    field[0] = static_cast<char>(0x80);
    for (size_t i = width; i-- > 1 && value; value >>= 8) field[i] = static_cast<char>(value & 0xff);
  }
  void add(const std::string& name, char type, const std::string& data, unsigned mode, const std::string& link,
           unsigned uid = 0, unsigned gid = 0, unsigned major = 0, unsigned minor = 0,
           const std::function<void(char*)>& patch = {}) {
    char h[512] = {};
    name.copy(h, 100);
    octal(h + 100, 8, mode);
    octal(h + 108, 8, uid);
    octal(h + 116, 8, gid);
    octal(h + 124, 12, data.size());
    octal(h + 136, 12, 1700000000);
    h[156] = type;
    link.copy(h + 157, 100);
    std::string("ustar").copy(h + 257, 6);
    h[263] = '0';
    h[264] = '0';
    octal(h + 329, 8, major);
    octal(h + 337, 8, minor);
    if (patch) patch(h);
    std::memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (unsigned char c : h) sum += c;
    octal(h + 148, 7, sum);
    out_.append(h, 512);
    out_ += data;
    out_.append((512 - data.size() % 512) % 512, '\0');
  }
  std::string out_;
};

}  // namespace pier::test
