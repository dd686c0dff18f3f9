// The OCI / Docker schema2 documents pier reads: descriptors, manifests,
// indexes (manifest lists) and platforms. Plain data, parsed from JSON.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace pier::image {

namespace media {
inline constexpr std::string_view kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerList = "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kDockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kOciLayer = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kOciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
// What pier asks a registry for, best first.
inline constexpr std::string_view kAccept =
    "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";
}  // namespace media

struct Platform {
  std::string os = "linux";
  std::string architecture;
  std::string variant;
  std::string str() const;  // "linux/arm64/v8"
};

// The platform this binary runs on, in GOARCH terms (amd64, arm64, ...).
Platform host_platform();
// "linux/amd64", "linux/arm/v7", "arm64" (os defaults to linux).
Result<Platform> parse_platform(std::string_view text);

struct Descriptor {
  std::string media_type;
  std::string digest;
  int64_t size = 0;  // required by the OCI and Docker specs: every download is bounded by it
  std::optional<Platform> platform;
  std::map<std::string, std::string> annotations;
};

struct Manifest {
  std::string media_type;
  Descriptor config;
  std::vector<Descriptor> layers;
};

struct Index {
  std::string media_type;
  std::vector<Descriptor> manifests;
};

enum class DocumentKind { manifest, index, unknown };

// What a fetched or loaded document is, from `declared_type` (the Content-Type,
// or the mediaType of the descriptor it was reached by) and the document's own
// mediaType. Ambiguous documents are refused (CVE-2021-41190): one with both
// `manifests` and `config`/`layers`, an index with `config`/`layers`, a manifest
// with `manifests`, and a declared type that differs from the document's own.
// A vague declared type ("", application/json, ...) defers to the document.
Result<DocumentKind> classify_document(std::string_view declared_type, std::string_view body);
Result<Manifest> parse_manifest(std::string_view json);
Result<Index> parse_index(std::string_view json);
// The index entry for `want`; arm64 without variant matches v8, as Docker does.
Result<Descriptor> select_platform(const Index& index, const Platform& want);
bool is_layer_media_type(std::string_view type);

}  // namespace pier::image
