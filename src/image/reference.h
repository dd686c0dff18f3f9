// Image references, parsed and normalised as Docker does
// (`busybox` -> `docker.io/library/busybox:latest`).
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace pier::image {

inline constexpr std::string_view kDefaultDomain = "docker.io";
inline constexpr std::string_view kDefaultTag = "latest";

struct Reference {
  std::string domain;  // "docker.io", "localhost:5000", "[::1]:5000"
  std::string path;    // "library/busybox", "team/app"
  std::string tag;     // empty when only a digest was given
  std::string digest;  // "sha256:<64 hex>" or empty

  // "docker.io/library/busybox"
  std::string name() const;
  // The fully qualified form: "docker.io/library/busybox:latest", "h:5000/x@sha256:...".
  std::string str() const;
  // As `docker images` shows it: "busybox:latest", "localhost:5000/x:1".
  std::string familiar() const;
  // Host to contact: docker.io is served by registry-1.docker.io.
  std::string registry_host() const;

  bool operator==(const Reference&) const = default;
};

// Parses and normalises. Errors say what is wrong ("repository name must be lowercase").
Result<Reference> parse_reference(std::string_view text);

// True if `text` is a valid `algorithm:hex` digest (sha256 needs 64 lowercase hex).
bool is_valid_digest(std::string_view text);

// True if `text` has the form of an image ID: 12 to 64 lowercase hex digits, with or
// without "sha256:". Such a name may still be a repository ("deadbeefcafe" is one).
bool looks_like_image_id(std::string_view text);

}  // namespace pier::image
