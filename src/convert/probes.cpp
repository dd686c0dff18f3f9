// healthcheck -> liveness and readiness probes. Both run the same command with the
// same timing: liveness restarts a container Compose would call unhealthy, readiness
// keeps it out of its Service until healthy (what `service_healthy` waits for).
#include <algorithm>

#include "convert/names.h"
#include "convert/steps.h"

namespace pier::convert {
namespace {

// Docker's defaults when the healthcheck leaves a field out.
constexpr int64_t kDefaultInterval = 30'000'000'000;
constexpr int64_t kDefaultTimeout = 30'000'000'000;
constexpr uint64_t kDefaultRetries = 3;

std::optional<json> probe_command(const std::vector<std::string>& test) {
  if (test.empty() || test[0] == "NONE") return std::nullopt;
  if (test[0] == "CMD-SHELL" && test.size() == 2) return json::array({"/bin/sh", "-c", test[1]});
  if (test[0] == "CMD") return json(std::vector<std::string>(test.begin() + 1, test.end()));
  return std::nullopt;
}

}  // namespace

void add_probes(Context& ctx, const compose::Service& s, Pod& pod) {
  if (!s.healthcheck || s.healthcheck->disable) return;
  const compose::Healthcheck& h = *s.healthcheck;
  // A healthcheck that sets only timings keeps the image's HEALTHCHECK command, which
  // Kubernetes does not read.
  if (!h.test) {
    ctx.warn(s, "healthcheck", "`healthcheck` without `test` is not converted: Kubernetes does not run the image's HEALTHCHECK; write the test");
    return;
  }
  auto command = probe_command(*h.test);
  if (!command) return;
  json probe = {
      {"exec", {{"command", *command}}},
      {"periodSeconds", seconds(h.interval.value_or(kDefaultInterval))},
      {"timeoutSeconds", seconds(h.timeout.value_or(kDefaultTimeout))},
      {"failureThreshold", std::max<uint64_t>(h.retries.value_or(kDefaultRetries), 1)},
  };
  if (h.start_interval)
    ctx.warn(s, "healthcheck", "`healthcheck.start_interval` is not converted: probes have one period");
  // Compose counts no failure during start_period but a success makes the container
  // healthy at once: readiness probes from the start, liveness waits the period out.
  pod.container["readinessProbe"] = probe;
  if (h.start_period) probe["initialDelaySeconds"] = seconds(*h.start_period, 0);
  pod.container["livenessProbe"] = probe;
}

}  // namespace pier::convert
