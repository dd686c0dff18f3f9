#include "image/image_config.h"

#include <nlohmann/json.hpp>

#include "image/digest.h"

namespace pier::image {
namespace {

using nlohmann::json;

std::string str_at(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> strings_at(const json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end()) return out;
  if (it->is_string()) out.push_back(it->get<std::string>());  // very old images
  if (it->is_array())
    for (auto& v : *it)
      if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

std::vector<std::string> keys_at(const json& j, const char* key) {
  std::vector<std::string> out;
  if (auto it = j.find(key); it != j.end() && it->is_object())
    for (auto& [k, v] : it->items()) out.push_back(k);
  return out;
}

int64_t int_at(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

std::optional<HealthConfig> health_at(const json& c) {
  auto it = c.find("Healthcheck");
  if (it == c.end() || !it->is_object()) return std::nullopt;
  HealthConfig h;
  h.test = strings_at(*it, "Test");
  h.interval_ns = int_at(*it, "Interval");
  h.timeout_ns = int_at(*it, "Timeout");
  h.start_period_ns = int_at(*it, "StartPeriod");
  h.start_interval_ns = int_at(*it, "StartInterval");
  h.retries = static_cast<int>(int_at(*it, "Retries"));
  return h;
}

}  // namespace

Result<ImageConfig> parse_image_config(std::string_view text) {
  auto j = json::parse(text, nullptr, false);
  if (!j.is_object()) return Error("image config is not a JSON object");
  ImageConfig out;
  out.os = str_at(j, "os");
  out.architecture = str_at(j, "architecture");
  out.variant = str_at(j, "variant");
  out.created = str_at(j, "created");
  if (auto it = j.find("config"); it != j.end() && it->is_object()) {
    const json& c = *it;
    out.entrypoint = strings_at(c, "Entrypoint");
    out.cmd = strings_at(c, "Cmd");
    out.env = strings_at(c, "Env");
    out.working_dir = str_at(c, "WorkingDir");
    out.user = str_at(c, "User");
    out.exposed_ports = keys_at(c, "ExposedPorts");
    out.volumes = keys_at(c, "Volumes");
    out.healthcheck = health_at(c);
    out.stop_signal = str_at(c, "StopSignal");
    if (auto l = c.find("Labels"); l != c.end() && l->is_object())
      for (auto& [k, v] : l->items())
        if (v.is_string()) out.labels[k] = v.get<std::string>();
  }
  auto rootfs = j.find("rootfs");
  if (rootfs == j.end() || !rootfs->is_object()) return Error("image config has no rootfs section");
  out.diff_ids = strings_at(*rootfs, "diff_ids");
  for (const auto& d : out.diff_ids) PIER_CHECK(digest_hex(d).context("image config diff_ids"));
  return out;
}

std::vector<std::string> chain_ids(const std::vector<std::string>& diff_ids) {
  std::vector<std::string> out;
  for (const auto& d : diff_ids)
    out.push_back(out.empty() ? d : sha256_digest(out.back() + " " + d));
  return out;
}

}  // namespace pier::image
