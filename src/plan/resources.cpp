// Memory, CPU, pids and blkio limits. `deploy.resources` wins over the service-level
// keys, as in Docker Compose (setLimits/setReservations in create.go).
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "plan/steps.h"

namespace pier::plan::detail {

namespace {

constexpr int64_t kMinMemory = 6 << 20;  // Docker's minimum memory limit
constexpr int64_t kDefaultCfsPeriod = 100000;

const compose::ResourceSpec* deploy_limits(const compose::Service& s) {
  return s.deploy && s.deploy->limits ? &*s.deploy->limits : nullptr;
}
const compose::ResourceSpec* deploy_reservations(const compose::Service& s) {
  return s.deploy && s.deploy->reservations ? &*s.deploy->reservations : nullptr;
}

Status plan_memory(PlanContext& ctx) {
  const compose::Service& s = ctx.svc;
  runtime::Resources& r = ctx.plan.spec.resources;
  const auto* lim = deploy_limits(s);
  const auto* res = deploy_reservations(s);
  const char* key = "mem_limit";
  if (lim && lim->memory && *lim->memory > 0) {
    r.memory = *lim->memory;
    key = "deploy";
  } else if (s.mem_limit && *s.mem_limit > 0) {
    r.memory = *s.mem_limit;
  }
  if (r.memory && *r.memory < kMinMemory)
    return ctx.error(key, fmt::format("memory limit {} is below the minimum of 6 MiB", *r.memory));
  if (res && res->memory && *res->memory > 0) r.memory_reservation = *res->memory;
  else if (s.mem_reservation && *s.mem_reservation > 0) r.memory_reservation = *s.mem_reservation;
  if (r.memory && r.memory_reservation && *r.memory_reservation > *r.memory)
    return ctx.error("mem_reservation", "the memory reservation is greater than the memory limit");
  if (s.memswap_limit && *s.memswap_limit != 0) {
    int64_t swap = *s.memswap_limit;
    if (!r.memory)
      return ctx.error("memswap_limit", "`memswap_limit` needs a memory limit").hint("set `mem_limit` too");
    if (swap != -1 && swap < *r.memory)
      return ctx.error("memswap_limit", fmt::format("memswap_limit {} is less than the memory limit {}", swap, *r.memory))
          .hint("memswap_limit counts memory plus swap; -1 means unlimited swap");
    r.memory_swap = swap;
  }
  return {};
}

Status plan_cpu(PlanContext& ctx) {
  const compose::Service& s = ctx.svc;
  runtime::Resources& r = ctx.plan.spec.resources;
  const auto* lim = deploy_limits(s);
  std::optional<double> cpus;
  const char* key = "cpus";
  if (lim && lim->cpus && *lim->cpus != 0) {
    cpus = *lim->cpus;
    key = "deploy";
  } else if (s.cpus && *s.cpus != 0) {
    cpus = *s.cpus;
  }
  if (s.cpu_quota && *s.cpu_quota > 0) {
    if (cpus)
      return ctx.error("cpu_quota", "`cpus` and `cpu_quota`/`cpu_period` cannot both be set").hint("keep `cpus`");
    int64_t period = s.cpu_period && *s.cpu_period > 0 ? *s.cpu_period : kDefaultCfsPeriod;
    cpus = static_cast<double>(*s.cpu_quota) / static_cast<double>(period);
    key = "cpu_quota";
  } else if (s.cpu_period) {
    ctx.warn("cpu_period", "`cpu_period` without `cpu_quota` sets no limit");
  }
  if (cpus) {
    long online = ::sysconf(_SC_NPROCESSORS_ONLN);
    if (*cpus < 0.01 || (online > 0 && *cpus > static_cast<double>(online)))
      return ctx.error(key, fmt::format("cpus {} is out of range: this host has {} CPUs", *cpus, online))
          .hint(fmt::format("use a value from 0.01 to {}", online));
    r.cpus = *cpus;
  }
  if (s.cpu_shares && *s.cpu_shares != 0) {
    if (*s.cpu_shares < 0) return ctx.error("cpu_shares", "`cpu_shares` must not be negative");
    // The kernel clamps shares to 2..262144; doing it here keeps the v2 weight mapping sane.
    r.cpu_shares = static_cast<uint64_t>(std::clamp<int64_t>(*s.cpu_shares, 2, 262144));
  }
  r.cpuset_cpus = s.cpuset;
  return {};
}

// The weight is the one blkio setting pier applies (compose checked its range); device
// weights and rates are accepted with a warning.
void plan_blkio(PlanContext& ctx) {
  const auto& blkio = ctx.svc.blkio_config;
  if (!blkio) return;
  if (blkio->weight && *blkio->weight != 0) ctx.plan.spec.resources.blkio_weight = static_cast<uint16_t>(*blkio->weight);
  const std::pair<const char*, bool> ignored[] = {
      {"weight_device", !blkio->weight_device.empty()},   {"device_read_bps", !blkio->device_read_bps.empty()},
      {"device_read_iops", !blkio->device_read_iops.empty()}, {"device_write_bps", !blkio->device_write_bps.empty()},
      {"device_write_iops", !blkio->device_write_iops.empty()}};
  for (const auto& [key, set] : ignored)
    if (set) ctx.warn("blkio_config", fmt::format("`blkio_config.{}` is not applied", key));
}

}  // namespace

Status plan_resources(PlanContext& ctx) {
  PIER_CHECK(plan_memory(ctx));
  PIER_CHECK(plan_cpu(ctx));
  const compose::Service& s = ctx.svc;
  const auto* lim = deploy_limits(s);
  if (lim && lim->pids && *lim->pids > 0) ctx.plan.spec.resources.pids_limit = *lim->pids;
  else if (s.pids_limit && *s.pids_limit != 0) ctx.plan.spec.resources.pids_limit = *s.pids_limit;
  plan_blkio(ctx);
  return {};
}

}  // namespace pier::plan::detail
