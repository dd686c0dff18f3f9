// `x-pier-desktop`: pier's extension for desktop apps. Compose keeps x-* keys as written
// (so does `pier config`); this reads the one pier acts on and rejects what it cannot
// mean, at the value's file:line:col.
#include <algorithm>

#include "base/strings.h"
#include "compose/normalize/common.h"

namespace pier::compose::detail {

namespace {
const std::vector<std::string> kDesktopParts = {"x11", "wayland", "pulseaudio", "gpu", "user"};
}

Result<std::optional<DesktopSharing>> normalize_desktop(const Node& node, const Mark& key_mark) {
  constexpr std::string_view key = "x-pier-desktop";
  DesktopSharing d;
  d.mark = key_mark.known() ? key_mark : node.mark();
  if (node.is_scalar()) {
    std::string v = to_lower(node.value());
    const bool on = v == "true" || v == "yes" || v == "on";
    if (!on && v != "false" && v != "no" && v != "off")
      return error_at(node, "`x-pier-desktop` must be a boolean, got `" + node.value() + "`")
          .hint("use true (everything the host has) or a mapping such as {x11: true, pulseaudio: true}");
    if (!on) return std::optional<DesktopSharing>{};
    d.automatic = true;
    return std::optional<DesktopSharing>{d};
  }
  if (!node.is_mapping())
    return type_error(node, key, "a boolean or a mapping of x11, wayland, pulseaudio, gpu, user");
  for (const auto& entry : node.entries()) {
    if (starts_with(entry.key, "x-")) continue;
    if (std::find(kDesktopParts.begin(), kDesktopParts.end(), entry.key) == kDesktopParts.end())
      return Error("unknown key `" + entry.key + "` in x-pier-desktop").at(entry.key_mark.to_string())
          .hint("use x11, wayland, pulseaudio, gpu or user");
    PIER_TRY(bool on, read_bool(entry.value, std::string(key) + "." + entry.key));
    if (entry.key == "x11") d.x11 = on;
    else if (entry.key == "wayland") d.wayland = on;
    else if (entry.key == "pulseaudio") d.pulseaudio = on;
    else if (entry.key == "gpu") d.gpu = on;
    else if (entry.key == "user") d.user = on;
  }
  return std::optional<DesktopSharing>{d};
}

}  // namespace pier::compose::detail
