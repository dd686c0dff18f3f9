#include <fcntl.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>

#include "base/atomic_file.h"
#include "builder/executor/executor.h"
#include "image/digest.h"

namespace pier::builder::detail {

std::string now_rfc3339() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

// The step's inputs: the layer it starts from, the config in force (ENV, WORKDIR,
// USER, SHELL... and everything else set so far, as Docker's chain of instructions),
// and the step itself with its arguments and the digest of what it copies.
std::string cache_key(const std::string& parent_chain, const nlohmann::json& config, const std::string& step) {
  std::string text = "pier-build-cache v1\n" + parent_chain + "\n" + config.dump() + "\n" + step;
  return image::sha256_digest(text);
}

namespace {
std::string cache_path(const std::string& root, const std::string& key) {
  auto hex = image::digest_hex(key);
  return root + "/build/cache/" + (hex ? *hex : std::string("invalid"));
}
}  // namespace

std::optional<CacheEntry> cache_lookup(const image::Store& store, const std::string& root, const std::string& parent_chain,
                                       const std::string& key) {
  auto text = read_file(cache_path(root, key));
  if (!text) return std::nullopt;
  auto doc = nlohmann::json::parse(*text, nullptr, false);
  if (!doc.is_object() || !doc["diff_id"].is_string()) return std::nullopt;
  CacheEntry e;
  e.diff_id = doc["diff_id"].get<std::string>();
  e.size = doc.value("size", uint64_t{0});
  e.created = doc.value("created", std::string());
  // Only while the store still holds what it names (GC may have removed it).
  if (!store.has_blob(e.diff_id) || !store.has_layer(image::next_chain_id(parent_chain, e.diff_id)))
    return std::nullopt;
  return e;
}

Status cache_store(const std::string& root, const std::string& key, const CacheEntry& entry) {
  std::error_code ec;
  std::filesystem::create_directories(root + "/build/cache", ec);
  if (ec) return Error::system("create directory", root + "/build/cache", ec.value());
  nlohmann::json doc = {{"diff_id", entry.diff_id}, {"size", entry.size}, {"created", entry.created}};
  return write_file_atomic(cache_path(root, key), doc.dump(), 0600);
}

}  // namespace pier::builder::detail
