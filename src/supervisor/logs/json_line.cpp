#include "supervisor/logs/json_line.h"

#include <optional>

#include "base/strings.h"
#include "supervisor/logs/log_time.h"

namespace pier::supervisor::logs {
namespace {

constexpr char kHex[] = "0123456789abcdef";

bool needs_escape(unsigned char c) {
  return c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c >= 0x80;
}

// Length of the valid UTF-8 sequence at text[i], or 0 if it is not one.
size_t utf8_length(std::string_view text, size_t i) {
  auto c = static_cast<unsigned char>(text[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || n > text.size() - i) return 0;
  // The lead byte gives the length; the shared checker rejects overlong forms,
  // surrogates and bad continuation bytes.
  return find_invalid_utf8(text.substr(i, n)) == std::string_view::npos ? n : 0;
}

// --- decoding -----------------------------------------------------------------

struct Scanner {
  std::string_view s;
  size_t i = 0;

  void skip_ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
  }
  bool eat(char c) {
    skip_ws();
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }

  static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  bool hex4(unsigned& out) {
    if (s.size() - i < 4) return false;
    out = 0;
    for (int k = 0; k < 4; ++k) {
      int v = hex_value(s[i + k]);
      if (v < 0) return false;
      out = out * 16 + static_cast<unsigned>(v);
    }
    i += 4;
    return true;
  }
  static void put_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // A JSON string; `out` may be null to skip it.
  bool string(std::string* out) {
    if (!eat('"')) return false;
    for (;;) {
      size_t start = i;
      while (i < s.size() && s[i] != '"' && s[i] != '\\') ++i;
      if (out) out->append(s.data() + start, i - start);
      if (i >= s.size()) return false;
      if (s[i++] == '"') return true;
      if (i >= s.size()) return false;
      char e = s[i++];
      char plain = 0;
      switch (e) {
        case '"': plain = '"'; break;
        case '\\': plain = '\\'; break;
        case '/': plain = '/'; break;
        case 'b': plain = '\b'; break;
        case 'f': plain = '\f'; break;
        case 'n': plain = '\n'; break;
        case 'r': plain = '\r'; break;
        case 't': plain = '\t'; break;
        case 'u': {
          unsigned cp = 0;
          if (!hex4(cp)) return false;
          // A surrogate pair encodes one code point; a lone surrogate becomes U+FFFD.
          if (cp >= 0xD800 && cp < 0xDC00 && s.substr(i, 2) == "\\u") {
            size_t save = i;
            i += 2;
            unsigned low = 0;
            if (hex4(low) && low >= 0xDC00 && low < 0xE000) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            } else {
              i = save;
              cp = 0xFFFD;
            }
          } else if (cp >= 0xD800 && cp < 0xE000) {
            cp = 0xFFFD;
          }
          if (out) put_utf8(*out, cp);
          continue;
        }
        default:
          return false;
      }
      if (out) *out += plain;
    }
  }

  // Any JSON value other than a string we want: objects, arrays, numbers, literals.
  bool skip_value() {
    skip_ws();
    if (i >= s.size()) return false;
    char c = s[i];
    if (c == '"') return string(nullptr);
    if (c == '{' || c == '[') {
      char close = c == '{' ? '}' : ']';
      ++i;
      if (eat(close)) return true;
      for (;;) {
        if (close == '}') {
          if (!string(nullptr) || !eat(':')) return false;
        }
        if (!skip_value()) return false;
        if (eat(close)) return true;
        if (!eat(',')) return false;
      }
    }
    size_t start = i;
    while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ') ++i;
    return i > start;
  }
};

}  // namespace

const char* stream_name(Stream stream) { return stream == Stream::err ? "stderr" : "stdout"; }

void append_json_escaped(std::string& out, std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    size_t run = i;
    while (run < text.size() && !needs_escape(static_cast<unsigned char>(text[run]))) ++run;
    out.append(text.data() + i, run - i);
    i = run;
    if (i >= text.size()) break;
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      size_t n = utf8_length(text, i);
      if (n == 0) {
        out += "\\ufffd";
        ++i;
      } else if (n == 3 && c == 0xE2 && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
                 (static_cast<unsigned char>(text[i + 2]) & 0xFE) == 0xA8) {
        // U+2028/U+2029 end lines in JavaScript; Go's encoder escapes them too.
        out += static_cast<unsigned char>(text[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
        i += 3;
      } else {
        out.append(text.data() + i, n);
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
    ++i;
  }
}

void append_json_line(std::string& out, Stream stream, std::string_view text,
                      std::string_view time_json) {
  out += "{\"log\":\"";
  append_json_escaped(out, text);
  out += "\",\"stream\":\"";
  out += stream_name(stream);
  out += "\",\"time\":\"";
  out += time_json;
  out += "\"}\n";
}

bool parse_json_line(std::string_view line, LogEntry& out) {
  Scanner sc{line};
  if (!sc.eat('{')) return false;
  bool have_time = false;
  out.text.clear();
  out.stream = Stream::out;
  std::string key, value;
  if (!sc.eat('}')) {
    for (;;) {
      key.clear();
      if (!sc.string(&key) || !sc.eat(':')) return false;
      if (key == "log") {
        if (!sc.string(&out.text)) return false;
      } else if (key == "stream" || key == "time") {
        value.clear();
        if (!sc.string(&value)) return false;
        if (key == "stream") {
          out.stream = value == "stderr" ? Stream::err : Stream::out;
        } else {
          auto t = parse_rfc3339(value);
          if (!t) return false;
          out.time_ns = *t;
          have_time = true;
        }
      } else if (!sc.skip_value()) {
        return false;
      }
      if (sc.eat('}')) break;
      if (!sc.eat(',')) return false;
    }
  }
  sc.skip_ws();
  // Docker omits an empty `log` (so it may be missing); an entry without a time
  // cannot be ordered or filtered, so it is not an entry.
  return have_time && sc.i == line.size();
}

}  // namespace pier::supervisor::logs
