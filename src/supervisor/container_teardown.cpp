#include "supervisor/container_teardown.h"

#include <filesystem>
#include <vector>

#include "net/netns.h"
#include "runtime/container.h"

namespace pier::supervisor {

Status destroy_container(const state::ProjectPaths& paths, const std::string& container, const std::string& scratch_dir) {
  PIER_TRY(std::string log_dir, paths.log_dir(container));
  PIER_TRY(std::string anonymous, paths.anonymous_volumes_dir(container));
  PIER_TRY(std::string netns, paths.held_netns(container));
  PIER_TRY(std::string utsns, paths.held_utsns(container));
  std::vector<std::string> held = {netns, utsns};
  PIER_CHECK(runtime::destroy(paths.kernel_name, container, scratch_dir));
  PIER_CHECK(net::release_held_namespaces(held));
  std::error_code ec;
  std::filesystem::remove_all(log_dir, ec);
  std::filesystem::remove_all(anonymous, ec);
  return Status{};
}

}  // namespace pier::supervisor
