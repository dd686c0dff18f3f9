#include "supervisor/signals.h"

#include <signal.h>
#include <string.h>

#include <cctype>
#include <cstdlib>

namespace pier::supervisor {

Result<int> parse_signal(const std::string& text) {
  std::string name = text;
  for (auto& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  if (!name.empty() && std::isdigit(static_cast<unsigned char>(name[0]))) {
    int n = std::atoi(name.c_str());
    if (n > 0 && n < NSIG) return n;
  } else {
    if (name.rfind("SIG", 0) == 0) name = name.substr(3);
    if (name.rfind("RTMIN", 0) == 0 || name.rfind("RTMAX", 0) == 0) {
      bool min = name[3] == 'M' && name[4] == 'I';
      int offset = name.size() > 5 ? std::atoi(name.c_str() + 5) : 0;  // "+3" / "-2"
      int n = (min ? SIGRTMIN : SIGRTMAX) + offset;
      if (n >= SIGRTMIN && n <= SIGRTMAX) return n;
    } else {
      for (int n = 1; n < NSIG; ++n) {
        const char* abbrev = sigabbrev_np(n);
        if (abbrev && name == abbrev) return n;
      }
    }
  }
  return Error("unknown signal `" + text + "`").hint("use a name such as SIGTERM or a number");
}

}  // namespace pier::supervisor
