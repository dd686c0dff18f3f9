// The image configuration the supervisor merges with a service, and the layer
// identities (diff ids, chain ids) the store keys unpacked layers by.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace pier::image {

struct HealthConfig {
  std::vector<std::string> test;  // ["CMD-SHELL", "..."], ["NONE"], ...
  int64_t interval_ns = 0;
  int64_t timeout_ns = 0;
  int64_t start_period_ns = 0;
  int64_t start_interval_ns = 0;
  int retries = 0;
};

struct ImageConfig {
  std::string os;
  std::string architecture;
  std::string variant;
  std::string created;
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;  // "KEY=value"
  std::string working_dir;
  std::string user;
  std::vector<std::string> exposed_ports;  // "80/tcp"
  std::vector<std::string> volumes;
  std::optional<HealthConfig> healthcheck;
  std::string stop_signal;
  std::map<std::string, std::string> labels;
  std::vector<std::string> diff_ids;  // rootfs.diff_ids, lowest layer first
};

Result<ImageConfig> parse_image_config(std::string_view json);

// chain(0) = diff(0); chain(n) = sha256(chain(n-1) + " " + diff(n)) (OCI image spec).
std::vector<std::string> chain_ids(const std::vector<std::string>& diff_ids);

}  // namespace pier::image
