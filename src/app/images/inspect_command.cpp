// image inspect: Docker's `docker image inspect` shape, from the stored config.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/images/commands.h"
#include "image/json_util.h"
#include "image/store/store.h"

namespace pier::app::images {

using namespace pier::image;  // the commands speak the image library's types
namespace {

using nlohmann::json;

Result<json> inspect_one(const Store& store, const std::string& name) {
  PIER_TRY(ResolvedImage image, store.resolve(name));
  PIER_TRY(std::string config_text, store.read_blob(image.record.id));
  json config = json::parse(config_text, nullptr, false);
  PIER_TRY(auto records, store.list());
  json tags = json::array(), digests = json::array();
  for (const auto& r : records) {
    if (r.id != image.record.id || r.name.starts_with("sha256:")) continue;
    auto ref = parse_reference(r.name);
    if (!ref.ok()) continue;
    if (!ref->tag.empty()) tags.push_back(ref->familiar());
    if (!r.repo_digest.empty()) digests.push_back(ref->name() + "@" + r.repo_digest);
  }
  json layers = json::array();
  for (auto it = image.layer_dirs.rbegin(); it != image.layer_dirs.rend(); ++it) layers.push_back(*it);
  return json{{"Id", image.record.id},
              {"RepoTags", tags},
              {"RepoDigests", digests},
              {"Created", json_string(config, "created")},
              {"Architecture", json_string(config, "architecture")},
              {"Os", json_string(config, "os")},
              {"Config", config.is_object() && config.contains("config") ? config["config"] : json::object()},
              {"RootFS", config.is_object() && config.contains("rootfs") ? config["rootfs"] : json::object()},
              {"GraphDriver", {{"Name", "overlay"}, {"Data", {{"LowerDirs", layers}}}}},
              {"Metadata", {{"Manifest", image.record.manifest_digest}, {"Platform", image.record.platform}}}};
}

}  // namespace

Status image_inspect(const std::string& pier_root, const std::vector<std::string>& names, std::FILE* out) {
  PIER_TRY(Store store, Store::open(pier_root));
  json all = json::array();
  for (const auto& name : names) {
    PIER_TRY(json one, inspect_one(store, name));
    all.push_back(std::move(one));
  }
  fmt::print(out, "{}\n", all.dump(4));
  return {};
}

}  // namespace pier::app::images
