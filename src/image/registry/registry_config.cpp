#include "image/registry/registry_config.h"

#include <cerrno>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "base/atomic_file.h"
#include "base/strings.h"

namespace pier::image {

Result<RegistryConfig> RegistryConfig::load(const std::string& pier_root) {
  RegistryConfig config;
  if (const char* env = std::getenv("PIER_INSECURE_REGISTRIES"))
    for (const auto& host : split(env, ','))
      if (!trim(host).empty()) config.insecure.insert(std::string(trim(host)));
  std::string path = pier_root + "/registries.json";
  auto text = read_file(path);
  if (!text) return config;
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object()) return Error("`" + path + "` is not a JSON object");
  if (auto list = j.find("insecure-registries"); list != j.end() && list->is_array())
    for (const auto& host : *list)
      if (host.is_string()) config.insecure.insert(host.get<std::string>());
  if (auto m = j.find("registry-mirrors"); m != j.end() && m->is_object())
    for (auto& [domain, urls] : m->items())
      if (urls.is_array())
        for (const auto& u : urls)
          if (u.is_string()) config.mirrors[domain].push_back(u.get<std::string>());
  return config;
}

}  // namespace pier::image
