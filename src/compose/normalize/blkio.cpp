// blkio_config: the IO weight and per-device weights and rates, with the kernel's
// ranges checked here so a bad value fails `pier config` at its line.
#include <fmt/format.h>

#include "compose/normalize/common.h"

namespace pier::compose::detail {

namespace {

// The range of the cgroup's IO weight; 0 leaves the kernel's default.
Result<int64_t> read_weight(const Node& node, const std::string& key) {
  PIER_TRY(int64_t w, read_int(node, key));
  if (w != 0 && (w < 10 || w > 1000))
    return error_at(node, fmt::format("`{}` must be between 10 and 1000 (or 0 for the default), got {}", key, w));
  return w;
}

Result<std::string> read_device_path(const Node& entry, const std::string& key) {
  const Node* path = entry.find("path");
  if (!path) return error_at(entry, fmt::format("`{}` needs a `path`", key));
  PIER_TRY(std::string text, read_string(*path, key + ".path"));
  if (text.empty() || text[0] != '/')
    return error_at(*path, fmt::format("`{}.path` must be an absolute device path, got `{}`", key, text));
  return text;
}

Result<std::vector<BlkioWeightDevice>> read_weight_devices(const Node& node) {
  const std::string key = "blkio_config.weight_device";
  if (!node.is_sequence()) return type_error(node, key, "a sequence");
  std::vector<BlkioWeightDevice> out;
  for (const auto& item : node.items()) {
    PIER_CHECK(expect_mapping(item, key + " item"));
    PIER_CHECK(check_keys(item, {"path", "weight"}));
    BlkioWeightDevice d;
    PIER_TRY(d.path, read_device_path(item, key));
    const Node* weight = item.find("weight");
    if (!weight) return error_at(item, fmt::format("`{}` needs a `weight`", key));
    PIER_TRY(d.weight, read_weight(*weight, key + ".weight"));
    out.push_back(std::move(d));
  }
  return out;
}

// device_*_bps rates are sizes ("1mb"), device_*_iops rates are counts.
Result<std::vector<BlkioThrottleDevice>> read_throttle_devices(const Node& node, const std::string& name, bool bytes) {
  const std::string key = "blkio_config." + name;
  if (!node.is_sequence()) return type_error(node, key, "a sequence");
  std::vector<BlkioThrottleDevice> out;
  for (const auto& item : node.items()) {
    PIER_CHECK(expect_mapping(item, key + " item"));
    PIER_CHECK(check_keys(item, {"path", "rate"}));
    BlkioThrottleDevice d;
    PIER_TRY(d.path, read_device_path(item, key));
    const Node* rate = item.find("rate");
    if (!rate) return error_at(item, fmt::format("`{}` needs a `rate`", key));
    if (bytes) { PIER_TRY(d.rate, read_bytes(*rate, key + ".rate")); }
    else { PIER_TRY(d.rate, read_int(*rate, key + ".rate")); }
    if (d.rate < 0) return error_at(*rate, fmt::format("`{}.rate` must not be negative, got `{}`", key, rate->value()));
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace

Result<BlkioConfig> normalize_blkio(const Node& node) {
  PIER_CHECK(expect_mapping(node, "blkio_config"));
  PIER_CHECK(check_keys(node, {"weight", "weight_device", "device_read_bps", "device_read_iops", "device_write_bps",
                               "device_write_iops"}));
  BlkioConfig b;
  if (const Node* x = node.find("weight")) { PIER_TRY(b.weight, read_weight(*x, "blkio_config.weight")); }
  if (const Node* x = node.find("weight_device")) { PIER_TRY(b.weight_device, read_weight_devices(*x)); }
  static const std::pair<const char*, std::vector<BlkioThrottleDevice> BlkioConfig::*> rates[] = {
      {"device_read_bps", &BlkioConfig::device_read_bps}, {"device_read_iops", &BlkioConfig::device_read_iops},
      {"device_write_bps", &BlkioConfig::device_write_bps}, {"device_write_iops", &BlkioConfig::device_write_iops}};
  for (const auto& [name, field] : rates) {
    if (const Node* x = node.find(name)) {
      bool bytes = std::string_view(name).ends_with("_bps");
      PIER_TRY(b.*field, read_throttle_devices(*x, name, bytes));
    }
  }
  b.extensions = read_extensions(node);
  return b;
}

}  // namespace pier::compose::detail
