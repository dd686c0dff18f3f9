#include "compose/model.h"

namespace pier::compose {

int64_t Service::replicas() const {
  if (deploy && deploy->replicas) return *deploy->replicas;
  if (scale) return *scale;
  return 1;
}

std::string Service::image_or_default(const std::string& project_name) const {
  return image.empty() ? project_name + "-" + name : image;
}

const Service* Project::find_service(const std::string& name) const {
  auto it = services.find(name);
  return it == services.end() ? nullptr : &it->second;
}

}  // namespace pier::compose
