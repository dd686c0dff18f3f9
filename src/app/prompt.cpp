#include "app/prompt.h"

#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iostream>
#include <iterator>

namespace pier::app {
namespace {

std::string trimmed_lower(std::string s) {
  auto blank = [](unsigned char c) { return std::isspace(c) != 0; };
  s.erase(s.begin(), std::find_if_not(s.begin(), s.end(), blank));
  s.erase(std::find_if_not(s.rbegin(), s.rend(), blank).base(), s.end());
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

bool confirm(const std::string& message, bool default_answer) {
  std::string line;
  if (::isatty(STDIN_FILENO) == 1) {
    std::fprintf(stdout, "? %s (%s) ", message.c_str(), default_answer ? "Y/n" : "y/N");
    std::fflush(stdout);
    if (!std::getline(std::cin, line)) return false;
    std::string answer = trimmed_lower(line);
    if (answer.empty()) return default_answer;
    return answer == "y" || answer == "yes";
  }
  std::fputs(message.c_str(), stdout);
  std::fflush(stdout);
  if (!std::getline(std::cin, line)) return false;
  std::string answer = trimmed_lower(line);
  // One word, as Go's Fscanln reads it: a line of two words is no answer.
  if (answer.find_first_of(" \t") != std::string::npos) return false;
  return answer == "y" || answer == "yes" || answer == "1" || answer == "t" || answer == "true";
}

std::optional<std::string> read_answer(const std::string& prompt, bool echo) {
  std::fputs(prompt.c_str(), stdout);
  std::fflush(stdout);
  termios saved{};
  bool hidden = !echo && ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (hidden) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  bool got = static_cast<bool>(std::getline(std::cin, line));
  if (hidden) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::fputs("\n", stdout);  // the newline the user typed was not echoed
  }
  if (!got) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::string read_all_stdin() {
  std::string all((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  if (!all.empty() && all.back() == '\n') all.pop_back();
  if (!all.empty() && all.back() == '\r') all.pop_back();
  return all;
}

}  // namespace pier::app
