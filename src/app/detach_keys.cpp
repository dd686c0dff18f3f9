#include "app/detach_keys.h"

#include <cctype>

#include "base/strings.h"

namespace pier::app {
namespace {

// "ctrl-a" .. "ctrl-z" are 1..26; "ctrl-@" 0; "ctrl-[" .. "ctrl-_" 27..31.
Result<char> key_code(std::string_view key) {
  if (key.size() == 1) return key.front();
  std::string lower;
  for (char c : key) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.size() == 6 && lower.starts_with("ctrl-")) {
    char c = lower[5];
    if (c >= 'a' && c <= 'z') return static_cast<char>(c - 'a' + 1);
    static constexpr std::string_view kPunct = "@[\\]^_";
    if (auto at = kPunct.find(c); at != std::string_view::npos) return static_cast<char>(at == 0 ? 0 : 26 + at);
  }
  return Error("--detach-keys: unknown key `" + std::string(key) + "`")
      .hint("keys are one character or ctrl-X with X one of a-z, @, [, \\, ], ^, _ (e.g. ctrl-p,ctrl-q)");
}

}  // namespace

Result<DetachKeys> DetachKeys::parse(std::string_view text) {
  DetachKeys d;
  for (const auto& key : split(std::string(text), ',')) {
    PIER_TRY(char code, key_code(key));
    d.keys_ += code;
  }
  return d;
}

bool DetachKeys::feed(std::string_view input, std::string& out) {
  for (char c : input) {
    if (c == keys_[matched_]) {
      if (++matched_ == keys_.size()) return true;
      continue;
    }
    out.append(keys_, 0, matched_);
    matched_ = 0;
    if (c == keys_[0]) {
      if (++matched_ == keys_.size()) return true;
      continue;
    }
    out += c;
  }
  return false;
}

}  // namespace pier::app
