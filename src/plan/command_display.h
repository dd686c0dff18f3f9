// The COMMAND column of `ps`, as Docker builds it: the path, then the arguments with
// any argument holding a space wrapped in single quotes, the whole quoted as Go's
// strconv.Quote does ("\"/bin/sh -c 'sleep 5'\""). `ps` truncates it, not this.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pier::plan {

std::string command_display(const std::vector<std::string>& argv);
// Go's strconv.Quote for UTF-8 text: "..." with \" \\ \n \t \r and \xNN for other
// control bytes and invalid UTF-8.
std::string go_quote(std::string_view text);

}  // namespace pier::plan
