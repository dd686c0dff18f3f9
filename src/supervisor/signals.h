// Signal names as Docker accepts them: "SIGTERM", "TERM", "15", "SIGRTMIN+3".
#pragma once

#include <string>

#include "base/result.h"

namespace pier::supervisor {

Result<int> parse_signal(const std::string& text);

}  // namespace pier::supervisor
