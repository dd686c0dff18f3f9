// Which CDI devices a service asks for, read as Docker Compose reads it: `devices:`
// entries named `vendor.com/class=name`; `deploy.resources.reservations.devices` with
// `driver: cdi` and `device_ids`, or GPU requests (`driver: nvidia` or `capabilities:
// [gpu]`) with `count` or `device_ids`; and the service-level `gpus:` (`all` or a list of
// such requests). GPU requests become `nvidia.com/gpu=<index|uuid|all>` names, which
// need the NVIDIA spec that `nvidia-ctk cdi generate` writes.
#include <algorithm>

#include <fmt/format.h>

#include "base/strings.h"
#include "cdi/names.h"
#include "cdi/registry.h"
#include "plan/cdi_requests.h"

namespace pier::plan::detail {

namespace {

constexpr const char* kGpuKind = "nvidia.com/gpu";

Result<std::vector<std::string>> string_list(const compose::Json& r, const char* key) {
  std::vector<std::string> out;
  auto it = r.find(key);
  if (it == r.end() || it->is_null()) return out;
  if (!it->is_array()) return Error(fmt::format("`{}` must be a list", key));
  for (const auto& v : *it) {
    if (!v.is_string()) return Error(fmt::format("`{}` items must be strings", key));
    out.push_back(v.get<std::string>());
  }
  return out;
}

// `count`: a number, or `all` (-1). Interpolation leaves numbers as strings.
Result<std::optional<int64_t>> count_of(const compose::Json& r) {
  auto it = r.find("count");
  if (it == r.end() || it->is_null()) return std::optional<int64_t>();
  if (it->is_number_integer() && it->get<int64_t>() >= 0) return std::optional<int64_t>(it->get<int64_t>());
  if (it->is_string()) {
    std::string s = it->get<std::string>();
    if (s == "all") return std::optional<int64_t>(-1);
    if (!s.empty() && s.size() < 6 && s.find_first_not_of("0123456789") == std::string::npos)
      return std::optional<int64_t>(std::stoll(s));
  }
  return Error(fmt::format("`count` must be a number or `all`, not {}", it->dump()));
}

class Requests {
 public:
  Requests(const cdi::Registry& registry, std::vector<std::string>& names) : registry_(registry), names_(names) {}

  // One request: a deploy.resources.reservations.devices item or a `gpus` list item.
  // `gpu_default`: `gpus` items are GPU requests even without driver or capabilities.
  Status add(const compose::Json& r, bool gpu_default) {
    if (!r.is_object()) return Error("a device request must be a mapping");
    std::string driver;
    if (auto it = r.find("driver"); it != r.end() && !it->is_null()) {
      if (!it->is_string()) return Error("`driver` must be a string");
      driver = it->get<std::string>();
    }
    PIER_TRY(auto caps, string_list(r, "capabilities"));
    PIER_TRY(auto ids, string_list(r, "device_ids"));
    PIER_TRY(auto count, count_of(r));
    if (count && !ids.empty()) return Error("`count` and `device_ids` cannot both be set");
    if (driver == "cdi") {
      if (ids.empty()) return Error("`driver: cdi` needs `device_ids` (CDI names such as vendor.com/class=name)");
      if (count) return Error("`driver: cdi` takes `device_ids`, not `count`");
      for (auto& id : ids) add_name(id);
      return {};
    }
    bool gpu = driver == "nvidia" || std::find(caps.begin(), caps.end(), "gpu") != caps.end() ||
               (gpu_default && driver.empty() && caps.empty());
    if (!gpu || (!driver.empty() && driver != "nvidia"))
      return Error(fmt::format("device requests for driver `{}` with capabilities [{}] are not supported",
                               driver.empty() ? "(none)" : driver, join(caps, ", ")))
          .hint("use `driver: cdi` with `device_ids`, or a GPU request (`driver: nvidia` or `capabilities: [gpu]`)");
    return add_gpus(count, ids);
  }

 private:
  Status add_gpus(std::optional<int64_t> count, const std::vector<std::string>& ids) {
    if (!cdi::has_kind(registry_, kGpuKind))
      return Error(fmt::format("a GPU request needs an NVIDIA CDI spec (kind {}), and none was found in {}", kGpuKind,
                               join(registry_.dirs, ", ")))
          .hint("run `nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml`; see docs/gpu.md");
    for (const auto& id : ids) add_name(fmt::format("{}={}", kGpuKind, id));
    if (!ids.empty()) return {};
    // Neither count nor device_ids: every GPU, as Docker Compose does.
    if (!count || *count < 0) {
      add_name(fmt::format("{}=all", kGpuKind));
      return {};
    }
    auto gpus = cdi::numbered_devices(registry_, kGpuKind);
    if (static_cast<size_t>(*count) > gpus.size())
      return Error(fmt::format("`count: {}` asks for more GPUs than the NVIDIA spec lists ({})", *count, gpus.size()));
    for (int64_t i = 0; i < *count; ++i) add_name(fmt::format("{}={}", kGpuKind, gpus[static_cast<size_t>(i)]));
    return {};
  }

  void add_name(const std::string& name) {
    if (std::find(names_.begin(), names_.end(), name) == names_.end()) names_.push_back(name);
  }

  const cdi::Registry& registry_;
  std::vector<std::string>& names_;
};

}  // namespace

bool asks_for_cdi(const compose::Service& s) {
  for (const auto& d : s.devices)
    if (cdi::looks_qualified(d.source)) return true;
  if (s.gpus) return true;
  return s.deploy && s.deploy->reservations && s.deploy->reservations->devices &&
         !s.deploy->reservations->devices->empty();
}

// `options` are driver-specific settings Docker passes to the driver; the CDI spec alone
// decides what a device brings here.
void warn_options(PlanContext& ctx, const char* key, const compose::Json& request) {
  if (!request.is_object()) return;
  auto it = request.find("options");
  if (it != request.end() && !it->is_null() && !it->empty())
    ctx.warn(key, "device request `options` are not applied: the CDI spec decides what the device brings");
}

Status cdi_device_names(PlanContext& ctx, const cdi::Registry& registry, std::vector<std::string>& names) {
  const compose::Service& s = ctx.svc;
  for (const auto& d : s.devices) {
    if (!cdi::looks_qualified(d.source)) continue;
    if (d.target != d.source)
      return ctx.error("devices", fmt::format("CDI device `{}` takes no container path (`{}`): its spec says where it goes",
                                              d.source, d.target));
    if (std::find(names.begin(), names.end(), d.source) == names.end()) names.push_back(d.source);
  }
  Requests requests(registry, names);
  if (s.deploy && s.deploy->reservations && s.deploy->reservations->devices) {
    const compose::Json& list = *s.deploy->reservations->devices;
    if (!list.is_array()) return ctx.error("deploy", "`deploy.resources.reservations.devices` must be a list");
    for (size_t i = 0; i < list.size(); ++i) {
      warn_options(ctx, "deploy", list[i]);
      if (auto st = requests.add(list[i], false); !st)
        return ctx.error("deploy", fmt::format("deploy.resources.reservations.devices[{}]: {}", i, st.error().to_string()));
    }
  }
  if (s.gpus) {
    const compose::Json& g = *s.gpus;
    if (g.is_string() && g.get<std::string>() == "all") {
      if (auto st = requests.add(compose::Json::object(), true); !st) return std::move(st).error().at(ctx.where("gpus"));
      return {};
    }
    if (!g.is_array()) return ctx.error("gpus", "`gpus` must be `all` or a list of device requests");
    for (size_t i = 0; i < g.size(); ++i) {
      warn_options(ctx, "gpus", g[i]);
      if (auto st = requests.add(g[i], true); !st)
        return ctx.error("gpus", fmt::format("gpus[{}]: {}", i, st.error().to_string()));
    }
  }
  return {};
}

}  // namespace pier::plan::detail
