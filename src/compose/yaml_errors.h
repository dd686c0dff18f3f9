// What a YAML syntax error means for someone who indents a compose file by hand. The
// parser reports where it gave up ("end of map not found" at 4:4); this looks at the
// text above that point and says what YAML expected instead: spaces where a tab
// indents a line, or one of the indentations already open above a misaligned line.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"
#include "compose/node.h"

namespace pier::compose {

// `text` is the document the parser read, `parser_message` its message and `at` where
// it stopped (1-based line within `text` plus `line_offset` for the file's line).
Error explain_yaml_error(std::string_view text, const std::string& parser_message, const Mark& at,
                         int line_offset);

}  // namespace pier::compose
