#include "image/ensure.h"

#include <ctime>
#include <optional>
#include <string>

#include "image/reference.h"

namespace pier::image {

Result<ResolvedImage> ensure_image(const Store& store, std::string_view reference, const PullPolicy& policy,
                                   const PullOptions& options) {
  // An image ID names one local image and can never be pulled: `image: 5264ece7f433`
  // runs the stored image, as Docker does, whatever the pull policy says.
  if (looks_like_image_id(reference)) {
    if (auto local = store.find(reference); local.ok() && store.is_complete(*local)) return store.resolve(reference);
    if (reference.starts_with("sha256:"))
      return Error("no such image: " + std::string(reference))
          .hint("an image ID names an image already in the store: list them with `pier image ls`");
  }
  PIER_TRY(Reference ref, parse_reference(reference));
  auto local = store.find(ref.str());
  std::optional<int64_t> updated;
  if (local.ok() && store.is_complete(*local)) updated = local->updated_at;
  switch (decide_pull(policy, updated, static_cast<int64_t>(std::time(nullptr)))) {
    case PullDecision::use_local: return store.resolve(ref.str());
    case PullDecision::fail_missing:
      return Error("image " + ref.familiar() + " is not in the store and pull_policy is never")
          .hint("pull it with `pier pull`, load it with `pier image load`, or change pull_policy");
    case PullDecision::build:
      return Error("image " + ref.familiar() + " must be built (pull_policy: build)");
    case PullDecision::pull: break;
  }
  auto pulled = pull_image(store, ref, options);
  if (!pulled.ok()) {
    // A periodic or `always` refresh that fails still runs the local copy, as Compose does.
    if (updated) return store.resolve(ref.str());
    return std::move(pulled).error();
  }
  return store.resolve(ref.str());
}

}  // namespace pier::image
