#include "state/paths.h"

namespace pier::state {

std::string run_base(const std::string& root) {
  if (root.empty() || root == kDefaultRoot) return "/run/pier";
  return root + "/run";
}

ProjectPaths project_paths(const std::string& root, const std::string& project) {
  std::string r = root.empty() ? kDefaultRoot : root;
  return ProjectPaths{r, project, run_base(r) + "/" + project};
}

}  // namespace pier::state
