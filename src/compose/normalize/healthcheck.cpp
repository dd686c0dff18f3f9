// healthcheck: test as string (CMD-SHELL), list, or NONE; durations; disable.
#include "compose/normalize/common.h"

namespace pier::compose::detail {

namespace {

Result<std::vector<std::string>> read_test(const Node& node) {
  if (node.is_scalar()) {
    if (node.value() == "NONE") return std::vector<std::string>{"NONE"};
    return std::vector<std::string>{"CMD-SHELL", node.value()};
  }
  PIER_TRY(auto test, read_string_list(node, "healthcheck.test"));
  if (test.empty()) return test;
  if (test[0] != "CMD" && test[0] != "CMD-SHELL" && test[0] != "NONE") {
    return error_at(node, "`healthcheck.test` list must start with CMD, CMD-SHELL or NONE, got `" + test[0] + "`")
        .hint("write [\"CMD\", \"curl\", \"-f\", \"http://localhost\"] or a string run by the shell");
  }
  return test;
}

}  // namespace

Result<Healthcheck> normalize_healthcheck(const Node& node) {
  PIER_CHECK(expect_mapping(node, "healthcheck"));
  PIER_CHECK(check_keys(node, {"test", "interval", "timeout", "start_period", "start_interval",
                               "retries", "disable"}));
  Healthcheck h;
  if (const Node* n = node.find("test")) { PIER_TRY(h.test, read_test(*n)); }
  if (const Node* n = node.find("interval")) { PIER_TRY(h.interval, read_duration(*n, "healthcheck.interval")); }
  if (const Node* n = node.find("timeout")) { PIER_TRY(h.timeout, read_duration(*n, "healthcheck.timeout")); }
  if (const Node* n = node.find("start_period")) { PIER_TRY(h.start_period, read_duration(*n, "healthcheck.start_period")); }
  if (const Node* n = node.find("start_interval")) { PIER_TRY(h.start_interval, read_duration(*n, "healthcheck.start_interval")); }
  if (const Node* n = node.find("retries")) {
    PIER_TRY(int64_t r, read_int(*n, "healthcheck.retries"));
    if (r < 0) return error_at(*n, "`healthcheck.retries` must not be negative");
    h.retries = static_cast<uint64_t>(r);
  }
  if (const Node* n = node.find("disable")) { PIER_TRY(h.disable, read_bool(*n, "healthcheck.disable")); }
  if (h.disable && h.test && (*h.test)[0] != "NONE")
    return error_at(node, "healthcheck sets both `disable: true` and a `test`").hint("remove one of them");
  return h;
}

}  // namespace pier::compose::detail
