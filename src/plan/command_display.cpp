#include "plan/command_display.h"

#include <fmt/format.h>

#include "base/strings.h"

namespace pier::plan {

std::string command_display(const std::vector<std::string>& argv) {
  std::string out;
  for (size_t i = 0; i < argv.size(); ++i) {
    if (i > 0) out += ' ';
    // Docker quotes arguments, never the path (daemon/list.go).
    if (i > 0 && argv[i].find(' ') != std::string::npos) out += "'" + argv[i] + "'";
    else out += argv[i];
  }
  return go_quote(out);
}

std::string go_quote(std::string_view text) {
  std::string out = "\"";
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      // Copy a valid UTF-8 sequence whole; escape a byte that starts none.
      size_t bad = find_invalid_utf8(text.substr(i, 4));
      size_t len = (c >= 0xF0) ? 4 : (c >= 0xE0) ? 3 : (c >= 0xC0) ? 2 : 1;
      if (bad != 0 && len > 1 && i + len <= text.size() && (bad == std::string_view::npos || bad >= len)) {
        out.append(text.substr(i, len));
        i += len;
        continue;
      }
      out += fmt::format("\\x{:02x}", c);
      ++i;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\v': out += "\\v"; break;
      default:
        if (c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", c);
        else out += static_cast<char>(c);
    }
    ++i;
  }
  return out + "\"";
}

}  // namespace pier::plan
