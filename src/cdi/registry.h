// The specs on this host, and the edits a list of device names asks for.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "cdi/spec.h"

namespace pier::cdi {

// `PIER_CDI_SPEC_DIRS` (colon-separated) when set, else /etc/cdi then /var/run/cdi.
// `setting` is that variable's value as the caller knows it (a supervisor plans with
// the environment of the CLI that loaded the project); without one, this process's.
std::vector<std::string> spec_dirs(std::optional<std::string_view> setting);
std::vector<std::string> spec_dirs();

struct Registry {
  std::vector<std::string> dirs;   // searched, in order
  std::vector<Spec> specs;         // every spec file that parsed
  std::vector<Error> broken;       // files that did not: reported only when a name misses
};

// Reads every `*.yaml`, `*.yml` and `*.json` in `dirs` (a missing dir is empty). Each
// file must be a regular file of at most 1 MiB; one that is not, or does not parse,
// goes to `broken` and does not stop the others.
Registry load_registry(const std::vector<std::string>& dirs);

// True when some spec defines devices of `kind` ("nvidia.com/gpu").
bool has_kind(const Registry& registry, std::string_view kind);

// The names of the devices of `kind` that are plain numbers (a GPU vendor's indices),
// in numeric order: what `count: N` of a GPU request takes the first N of.
std::vector<std::string> numbered_devices(const Registry& registry, std::string_view kind);

// The edits of `names` (`vendor.com/class=name`, `=all` for every device of the kind),
// merged: each spec's own edits once, then each device's, in the order asked. A later
// device node or env entry for the same path or variable replaces an earlier one.
// Errors: a name no spec defines (naming the dirs searched), or one that two spec files
// define (naming both).
Result<ContainerEdits> resolve(const Registry& registry, const std::vector<std::string>& names);

}  // namespace pier::cdi
