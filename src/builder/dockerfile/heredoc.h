// Heredoc words (`<<EOF`, `<<-EOF`, `<<"EOF"`, `3<<EOF`) as BuildKit finds them on a
// RUN, COPY or ADD line: the line is cut into shell words with quotes and escapes
// kept, and each word of the form `[digits]<<[-]name` names a heredoc whose body
// follows the instruction.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "builder/dockerfile/dockerfile.h"

namespace pier::builder::detail {

// One word as written; nullopt when it is not a heredoc word.
std::optional<Heredoc> parse_heredoc_word(std::string_view word);
// Every heredoc word of a logical line, in order (content not read yet). A line the
// shell lexer cannot cut into words (an unmatched quote) has none, as in Docker.
std::vector<Heredoc> find_heredocs(std::string_view line);

// Reads the bodies of `heredocs` from the lines after the instruction: each ends at a
// line equal to its name (after leading tabs for `<<-`).
class LineReader;
Status read_heredoc_bodies(LineReader& reader, std::vector<Heredoc>& heredocs);

// The body as the file or script gets it: leading tabs removed from each line for <<-.
std::string heredoc_body(const Heredoc& heredoc);

}  // namespace pier::builder::detail
