#include "image/oci.h"

#include <sys/utsname.h>

#include <nlohmann/json.hpp>

#include "base/strings.h"

namespace pier::image {
namespace {

using nlohmann::json;

std::string machine_to_goarch(std::string_view m, std::string& variant) {
  if (m == "x86_64") return "amd64";
  if (m == "aarch64") { variant = "v8"; return "arm64"; }
  if (m == "armv7l") { variant = "v7"; return "arm"; }
  if (m == "armv6l") { variant = "v6"; return "arm"; }
  if (m == "i686" || m == "i386") return "386";
  if (m == "ppc64le") return "ppc64le";
  if (m == "s390x") return "s390x";
  if (m == "riscv64") return "riscv64";
  return std::string(m);
}

std::string get_string(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<Descriptor> parse_descriptor(const json& j) {
  if (!j.is_object()) return Error("descriptor is not an object");
  Descriptor d;
  d.media_type = get_string(j, "mediaType");
  d.digest = get_string(j, "digest");
  if (d.digest.empty()) return Error("descriptor has no digest");
  auto size = j.find("size");
  if (size == j.end() || !size->is_number_integer() || size->get<int64_t>() < 0)
    return Error("descriptor of " + d.digest + " has no valid size")
        .hint("a descriptor without a size cannot be downloaded safely");
  d.size = size->get<int64_t>();
  if (auto it = j.find("platform"); it != j.end() && it->is_object()) {
    Platform p;
    p.os = get_string(*it, "os");
    p.architecture = get_string(*it, "architecture");
    p.variant = get_string(*it, "variant");
    d.platform = p;
  }
  if (auto it = j.find("annotations"); it != j.end() && it->is_object())
    for (auto& [k, v] : it->items())
      if (v.is_string()) d.annotations[k] = v.get<std::string>();
  return d;
}

// CVE-2021-41190: a document that reads as an index to one client and as an
// image manifest to another lets the same digest name two different images.
constexpr const char* kAmbiguityHint =
    "the registry or archive sent an ambiguous document (CVE-2021-41190); nothing was stored";

Status check_unambiguous(const json& j) {
  if (j.contains("manifests") && (j.contains("config") || j.contains("layers")))
    return Error("refusing a document that has both `manifests` (an index) and `config`/`layers` (a manifest)")
        .hint(kAmbiguityHint);
  return {};
}

// Types that say nothing about which document it is: the document's own
// mediaType (or its shape) decides.
bool is_vague_type(std::string_view type) {
  return type.empty() || type == "application/json" || type == "text/plain" || type == "application/octet-stream";
}

DocumentKind kind_of_type(std::string_view type) {
  if (type == media::kDockerManifest || type == media::kOciManifest) return DocumentKind::manifest;
  if (type == media::kDockerList || type == media::kOciIndex) return DocumentKind::index;
  return DocumentKind::unknown;
}

std::string normalized_variant(const Platform& p) {
  if (p.architecture == "arm64" && p.variant.empty()) return "v8";
  return p.variant;
}

}  // namespace

std::string Platform::str() const {
  std::string out = os + "/" + architecture;
  if (!variant.empty()) out += "/" + variant;
  return out;
}

Platform host_platform() {
  struct utsname u {};
  ::uname(&u);
  Platform p;
  p.architecture = machine_to_goarch(u.machine, p.variant);
  return p;
}

Result<Platform> parse_platform(std::string_view text) {
  auto parts = split(text, '/');
  Platform p;
  if (parts.size() == 1) {
    p.architecture = parts[0];
  } else if (parts.size() == 2 || parts.size() == 3) {
    p.os = parts[0];
    p.architecture = parts[1];
    if (parts.size() == 3) p.variant = parts[2];
  } else {
    return Error("invalid platform `" + std::string(text) + "` (use os/arch[/variant], e.g. linux/arm64)");
  }
  if (p.os.empty() || p.architecture.empty())
    return Error("invalid platform `" + std::string(text) + "` (use os/arch[/variant], e.g. linux/arm64)");
  p.os = to_lower(p.os);
  p.architecture = to_lower(p.architecture);
  if (p.architecture == "x86_64") p.architecture = "amd64";
  if (p.architecture == "aarch64") p.architecture = "arm64";
  return p;
}

Result<DocumentKind> classify_document(std::string_view declared_type, std::string_view body) {
  auto j = json::parse(body, nullptr, false);
  if (!j.is_object()) return Error("manifest is not a JSON object");
  PIER_CHECK(check_unambiguous(j));
  std::string own = get_string(j, "mediaType");
  std::string declared = to_lower(trim(declared_type.substr(0, declared_type.find(';'))));
  if (is_vague_type(declared)) declared.clear();
  if (!declared.empty() && !own.empty() && declared != own)
    return Error("refusing a document declared as `" + declared + "` whose own mediaType is `" + own + "`")
        .hint(kAmbiguityHint);
  std::string type = declared.empty() ? own : declared;
  DocumentKind kind = kind_of_type(type);
  if (type.empty()) kind = j.contains("manifests") ? DocumentKind::index : DocumentKind::manifest;
  if (kind == DocumentKind::manifest && j.contains("manifests"))
    return Error("refusing a manifest (`" + type + "`) that has `manifests`, as an index does").hint(kAmbiguityHint);
  if (kind == DocumentKind::index && (j.contains("config") || j.contains("layers")))
    return Error("refusing an index (`" + type + "`) that has `config` or `layers`, as a manifest does")
        .hint(kAmbiguityHint);
  return kind;
}

Result<Manifest> parse_manifest(std::string_view text) {
  auto j = json::parse(text, nullptr, false);
  if (!j.is_object()) return Error("image manifest is not a JSON object");
  if (auto it = j.find("schemaVersion"); it == j.end() || !it->is_number() || it->get<int>() != 2)
    return Error("unsupported manifest schema version (pier reads schema 2 / OCI manifests only)");
  Manifest m;
  m.media_type = get_string(j, "mediaType");
  if (!m.media_type.empty() && kind_of_type(m.media_type) != DocumentKind::manifest)
    return Error("image manifest has mediaType `" + m.media_type + "`, not a manifest type").hint(kAmbiguityHint);
  if (j.contains("manifests"))
    return Error("refusing an image manifest that has `manifests`, as an index does").hint(kAmbiguityHint);
  auto config = j.find("config");
  if (config == j.end()) return Error("image manifest has no config");
  PIER_TRY(m.config, parse_descriptor(*config).context("manifest config"));
  auto layers = j.find("layers");
  if (layers == j.end() || !layers->is_array()) return Error("image manifest has no layers array");
  for (auto& l : *layers) {
    PIER_TRY(Descriptor d, parse_descriptor(l).context("manifest layer"));
    m.layers.push_back(std::move(d));
  }
  return m;
}

Result<Index> parse_index(std::string_view text) {
  auto j = json::parse(text, nullptr, false);
  if (!j.is_object()) return Error("image index is not a JSON object");
  Index idx;
  idx.media_type = get_string(j, "mediaType");
  if (!idx.media_type.empty() && kind_of_type(idx.media_type) != DocumentKind::index)
    return Error("image index has mediaType `" + idx.media_type + "`, not an index type").hint(kAmbiguityHint);
  if (j.contains("config") || j.contains("layers"))
    return Error("refusing an image index that has `config` or `layers`, as a manifest does").hint(kAmbiguityHint);
  auto list = j.find("manifests");
  if (list == j.end() || !list->is_array()) return Error("image index has no manifests array");
  for (auto& m : *list) {
    PIER_TRY(Descriptor d, parse_descriptor(m).context("index entry"));
    idx.manifests.push_back(std::move(d));
  }
  return idx;
}

Result<Descriptor> select_platform(const Index& index, const Platform& want) {
  std::vector<std::string> offered;
  for (const auto& d : index.manifests) {
    if (!d.platform) continue;
    const Platform& p = *d.platform;
    offered.push_back(p.str());
    if (p.os != want.os || p.architecture != want.architecture) continue;
    if (!want.variant.empty() || want.architecture == "arm64") {
      if (normalized_variant(p) != normalized_variant(want)) continue;
    }
    return d;
  }
  std::string list = offered.empty() ? "none" : join(offered, ", ");
  return Error("no image for platform " + want.str() + " (the image offers: " + list + ")")
      .hint("set `platform:` on the service to one of those");
}

bool is_layer_media_type(std::string_view type) {
  return type == media::kDockerLayerGzip || type == media::kOciLayer || type == media::kOciLayerGzip ||
         type == media::kOciLayerZstd || type == "application/vnd.docker.image.rootfs.diff.tar";
}

}  // namespace pier::image
