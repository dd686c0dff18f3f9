// index.json: the names of the store's images, as an OCI image index whose
// entries carry pier's bookkeeping in annotations.
#include <nlohmann/json.hpp>

#include "base/atomic_file.h"
#include "image/json_util.h"
#include "image/store/store.h"

namespace pier::image {
namespace {

using nlohmann::json;

constexpr const char* kRefName = "org.opencontainers.image.ref.name";
constexpr const char* kImageId = "io.pier.image.id";
constexpr const char* kRepoDigest = "io.pier.repo.digest";
constexpr const char* kUpdated = "io.pier.updated";
constexpr const char* kPlatform = "io.pier.platform";

json to_json(const ImageRecord& r) {
  return {{"mediaType", r.media_type},
          {"digest", r.manifest_digest},
          {"size", r.manifest_size},
          {"annotations",
           {{kRefName, r.name},
            {kImageId, r.id},
            {kRepoDigest, r.repo_digest},
            {kUpdated, std::to_string(r.updated_at)},
            {kPlatform, r.platform}}}};
}

ImageRecord from_json(const json& j) {
  ImageRecord r;
  r.media_type = json_string(j, "mediaType");
  r.manifest_digest = json_string(j, "digest");
  r.manifest_size = json_int(j, "size");
  json a = j.is_object() && j.contains("annotations") ? j["annotations"] : json::object();
  r.name = json_string(a, kRefName);
  r.id = json_string(a, kImageId);
  r.repo_digest = json_string(a, kRepoDigest);
  r.platform = json_string(a, kPlatform);
  r.updated_at = std::atoll(json_string(a, kUpdated).c_str());
  return r;
}

bool matches_id(const ImageRecord& r, std::string_view want) {
  std::string_view id = r.id;
  if (want.starts_with("sha256:")) return id.starts_with(want) && want.size() >= 7 + 12;
  return want.size() >= 12 && id.size() > 7 && id.substr(7).starts_with(want);
}

}  // namespace

Result<std::vector<ImageRecord>> Store::read_index() const {
  std::string path = dir_ + "/index.json";
  auto text = read_file(path);
  if (!text) {
    if (text.error().errnum() == ENOENT) return std::vector<ImageRecord>{};
    return std::move(text).error();
  }
  auto j = json::parse(*text, nullptr, false);
  if (!j.is_object() || !j.contains("manifests") || !j["manifests"].is_array())
    return Error("image index `" + path + "` is corrupt").hint("remove it and pull or load the images again");
  std::vector<ImageRecord> out;
  for (const auto& m : j["manifests"]) out.push_back(from_json(m));
  return out;
}

Status Store::write_index(const std::vector<ImageRecord>& records) const {
  json manifests = json::array();
  for (const auto& r : records) manifests.push_back(to_json(r));
  json doc = {{"schemaVersion", 2}, {"mediaType", "application/vnd.oci.image.index.v1+json"}, {"manifests", manifests}};
  return write_file_atomic(dir_ + "/index.json", doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n");
}

Status Store::update_index(const std::function<Status(std::vector<ImageRecord>&)>& change) const {
  PIER_TRY(FileLock lock, FileLock::acquire(dir_ + "/index.lock", FileLock::Mode::exclusive));
  PIER_TRY(auto records, read_index());
  PIER_CHECK(change(records));
  return write_index(records);
}

Status Store::tag(const ImageRecord& record) const {
  return update_index([&](std::vector<ImageRecord>& records) -> Status {
    std::erase_if(records, [&](const ImageRecord& r) { return r.name == record.name; });
    records.push_back(record);
    return {};
  });
}

Status Store::untag(const std::string& name) const {
  return update_index([&](std::vector<ImageRecord>& records) -> Status {
    auto before = records.size();
    std::erase_if(records, [&](const ImageRecord& r) { return r.name == name; });
    if (records.size() == before) return Error("no such image: " + name);
    return {};
  });
}

Result<std::vector<ImageRecord>> Store::list() const { return read_index(); }

Result<ImageRecord> Store::find(std::string_view name_or_id) const {
  PIER_TRY(auto records, read_index());
  if (auto ref = parse_reference(name_or_id); ref.ok()) {
    std::string full = ref->str();
    for (const auto& r : records)
      if (r.name == full) return r;
    // name@digest also matches a tag pulled whose registry digest is that digest.
    if (!ref->digest.empty())
      for (const auto& r : records)
        if (auto stored = parse_reference(r.name); stored.ok() && r.repo_digest == ref->digest &&
                                                   stored->name() == ref->name())
          return r;
  }
  for (const auto& r : records)
    if (matches_id(r, name_or_id)) return r;
  return Error("no such image: " + std::string(name_or_id))
      .hint("pull it with `pier pull`, or load it with `pier image load`");
}

}  // namespace pier::image
