// overlayfs's own extended attributes in pier's layers. Root's pier uses the trusted.*
// names; a user's pier cannot set trusted.* (it needs CAP_SYS_ADMIN in the machine's
// user namespace), so its layers carry the user.* names that overlayfs reads when it is
// mounted with `userxattr`, as it must be inside a user namespace (Linux 5.11).
#pragma once

#include <string_view>

namespace pier::image {

// "trusted.overlay.opaque", or "user.overlay.opaque" when pier runs rootless.
const char* opaque_xattr();

// True for overlayfs's attributes under either prefix: a layer must not forge them
// (opaque directories, redirects, metacopy); pier writes them only from whiteouts.
bool is_overlay_xattr(std::string_view name);

}  // namespace pier::image
