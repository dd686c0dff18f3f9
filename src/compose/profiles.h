// Profiles (15-profiles.md): a service with `profiles` runs only when one of them is
// active; targeting a service on the command line activates its profiles.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "compose/model.h"

namespace pier::compose {

// Marks services outside the active profiles `disabled`. "*" activates every profile.
// Fails for a targeted service that does not exist, and for an enabled service that
// needs (depends_on required, links, service:x, volumes_from) a disabled one.
// Then drops the resources no enabled service uses (drop_unused_resources) unless
// `all_resources` (--all-resources).
Status apply_profiles(Project& project, const std::vector<std::string>& active_profiles,
                      const std::vector<std::string>& targeted_services, bool all_resources = false);

// Removes top-level networks, volumes, secrets and configs that no enabled service
// uses, as Docker Compose does once services are selected (its `config` omits them).
void drop_unused_resources(Project& project);

}  // namespace pier::compose
