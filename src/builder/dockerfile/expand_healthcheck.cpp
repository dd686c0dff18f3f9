// HEALTHCHECK [--interval --timeout --start-period --start-interval --retries] CMD ...
// or HEALTHCHECK NONE. Nothing is substituted (Docker does not either).
#include "builder/dockerfile/expander.h"
#include "builder/dockerfile/values.h"

#include <cctype>
#include <cstdint>

namespace pier::builder::detail {

namespace {

using std::chrono::nanoseconds;

// A duration flag: Go syntax; 0 means "inherit" (nullopt); otherwise at least 1ms.
Status duration_flag(const Expander& ex, std::string_view name, std::optional<nanoseconds>& out) {
  auto raw = ex.flag(name);
  if (!raw) return {};
  auto d = parse_go_duration(*raw);
  if (!d) return ex.error("--" + std::string(name) + ": " + d.error().message()).hint(d.error().fix());
  if (d->count() == 0) return {};
  if (*d < std::chrono::milliseconds(1))
    return ex.error("--" + std::string(name) + "=" + *raw + " cannot be less than 1ms");
  out = *d;
  return {};
}

// Go's strconv.ParseInt(value, 10, 32).
std::optional<int64_t> parse_int32(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text.empty()) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
    if (value > (int64_t{1} << 31)) return std::nullopt;
  }
  if (negative) value = -value;
  if (value > INT32_MAX || value < INT32_MIN) return std::nullopt;
  return value;
}

Status retries_flag(const Expander& ex, std::optional<int>& out) {
  auto raw = ex.flag("retries");
  if (!raw) return {};
  auto n = parse_int32(*raw);
  if (!n) return ex.error("--retries=" + *raw + " is not a number");
  if (*n < 0) return ex.error("--retries cannot be negative (" + *raw + ")");
  if (*n > 0) out = static_cast<int>(*n);
  return {};
}

}  // namespace

Result<Command> expand_healthcheck(const Expander& ex) {
  const Instruction& ins = ex.instruction();
  if (ins.args.empty())
    return ex.error("requires at least one argument").hint("HEALTHCHECK [options] CMD <command>, or HEALTHCHECK NONE");
  std::string type;
  for (char c : ins.args[0]) type += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  HealthcheckCommand out;
  if (type == "NONE") {
    if (ins.args.size() > 1) return ex.error("NONE takes no arguments");
    out.none = true;
    return Command(std::move(out));
  }
  if (type != "CMD") return ex.error("type `" + ins.args[0] + "` is unknown").hint("use CMD or NONE");
  if (ins.args.size() < 2) return ex.error("CMD needs a command");
  if (ins.json_form) {
    out.test = {"CMD"};
    out.test.insert(out.test.end(), ins.args.begin() + 1, ins.args.end());
  } else {
    out.test = {"CMD-SHELL", ins.args[1]};
  }
  PIER_CHECK(duration_flag(ex, "interval", out.interval));
  PIER_CHECK(duration_flag(ex, "timeout", out.timeout));
  PIER_CHECK(duration_flag(ex, "start-period", out.start_period));
  PIER_CHECK(duration_flag(ex, "start-interval", out.start_interval));
  PIER_CHECK(retries_flag(ex, out.retries));
  return Command(std::move(out));
}

}  // namespace pier::builder::detail
