#include "plan/signals.h"

#include <csignal>
#include <cctype>
#include <cstdlib>
#include <string>
#include <tuple>

#include "base/strings.h"

namespace pier::plan {

namespace {

struct Named {
  std::string_view name;
  int number;
};

// Linux's signals by name, as in Docker's signal map (moby/sys/signal).
constexpr Named kSignals[] = {
    {"ABRT", SIGABRT}, {"ALRM", SIGALRM}, {"BUS", SIGBUS},       {"CHLD", SIGCHLD},   {"CLD", SIGCHLD},
    {"CONT", SIGCONT}, {"FPE", SIGFPE},   {"HUP", SIGHUP},       {"ILL", SIGILL},     {"INT", SIGINT},
    {"IO", SIGIO},     {"IOT", SIGIOT},   {"KILL", SIGKILL},     {"PIPE", SIGPIPE},   {"POLL", SIGPOLL},
    {"PROF", SIGPROF}, {"PWR", SIGPWR},   {"QUIT", SIGQUIT},     {"SEGV", SIGSEGV},   {"STKFLT", SIGSTKFLT},
    {"STOP", SIGSTOP}, {"SYS", SIGSYS},   {"TERM", SIGTERM},     {"TRAP", SIGTRAP},   {"TSTP", SIGTSTP},
    {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU}, {"URG", SIGURG},       {"USR1", SIGUSR1},   {"USR2", SIGUSR2},
    {"VTALRM", SIGVTALRM}, {"WINCH", SIGWINCH}, {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},
};

std::optional<int> parse_number(std::string_view text) {
  if (text.empty() || text.size() > 3 || text.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  return std::atoi(std::string(text).c_str());
}

// RTMIN, RTMIN+n, RTMAX, RTMAX-n: glibc's SIGRTMIN (34), not the kernel's 32, as Docker.
std::optional<int> parse_realtime(std::string_view name) {
  for (auto [base, sign, value] : {std::tuple{"RTMIN", '+', SIGRTMIN}, std::tuple{"RTMAX", '-', SIGRTMAX}}) {
    std::string_view b(base);
    if (!starts_with(name, b)) continue;
    std::string_view rest = name.substr(b.size());
    if (rest.empty()) return value;
    if (rest[0] != sign) return std::nullopt;
    auto n = parse_number(rest.substr(1));
    if (!n) return std::nullopt;
    int sig = sign == '+' ? value + *n : value - *n;
    if (sig < SIGRTMIN || sig > SIGRTMAX) return std::nullopt;
    return sig;
  }
  return std::nullopt;
}

}  // namespace

std::optional<int> parse_signal(std::string_view text) {
  if (auto n = parse_number(text)) {
    if (*n < 1 || *n > SIGRTMAX) return std::nullopt;
    return n;
  }
  std::string name;
  for (char c : text) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string_view bare(name);
  if (starts_with(bare, "SIG")) bare.remove_prefix(3);
  for (const auto& s : kSignals)
    if (s.name == bare) return s.number;
  return parse_realtime(bare);
}

}  // namespace pier::plan
