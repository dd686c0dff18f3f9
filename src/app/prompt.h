// Questions on the CLI's stdin: yes/no as Docker Compose reads them (`rm`), and the
// username and password `login` asks for on a terminal.
#pragma once

#include <optional>
#include <string>

namespace pier::app {

// On a terminal: "? MESSAGE (y/N) " and a line, where y or yes is yes and an empty
// line is `default_answer`. From a pipe or file: MESSAGE, then one word read as a
// boolean (y, yes, 1, t, true: yes; anything else, or end of input: no), so `yes | pier
// rm` removes and `pier rm </dev/null` removes nothing.
bool confirm(const std::string& message, bool default_answer = false);

// `prompt` on stdout, then one line of stdin without its newline; with `echo` off the
// terminal does not show what is typed (a password). Nothing at end of input.
std::optional<std::string> read_answer(const std::string& prompt, bool echo = true);

// Everything on stdin, less one trailing newline (`login --password-stdin`).
std::string read_all_stdin();

}  // namespace pier::app
