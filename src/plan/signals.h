// Signal names as Docker reads them (stop_signal, `kill -s`): "SIGTERM", "term", "15",
// "SIGRTMIN+3", "RTMAX-1".
#pragma once

#include <optional>
#include <string_view>

namespace pier::plan {

std::optional<int> parse_signal(std::string_view text);

}  // namespace pier::plan
