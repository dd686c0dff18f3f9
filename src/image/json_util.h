// Reading untrusted JSON (registries, archives, helpers) without nlohmann's
// throwing conversions: a field of the wrong type reads as empty.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace pier::image {

inline std::string json_string(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

inline int64_t json_int(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return 0;
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

// The member `key` of j, or null where j is no object or lacks it. A missing key breaks
// the precondition of nlohmann's const operator[] (pier aborts: base/json_assert.h).
inline const nlohmann::json& json_field(const nlohmann::json& j, const char* key) {
  static const nlohmann::json absent;
  if (!j.is_object()) return absent;
  auto it = j.find(key);
  return it != j.end() ? *it : absent;
}

// An OCI descriptor as pier writes it in the manifests it makes (load, import, build).
inline nlohmann::json descriptor_json(std::string_view media_type, const std::string& digest, uint64_t size) {
  return {{"mediaType", media_type}, {"digest", digest}, {"size", size}};
}

}  // namespace pier::image
