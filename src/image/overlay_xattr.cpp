#include "image/overlay_xattr.h"

#include "sys/user_namespace.h"

namespace pier::image {

const char* opaque_xattr() { return sys::rootless() ? "user.overlay.opaque" : "trusted.overlay.opaque"; }

bool is_overlay_xattr(std::string_view name) {
  return name.starts_with("trusted.overlay.") || name.starts_with("user.overlay.");
}

}  // namespace pier::image
