#include "app/export.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "app/container_root.h"
#include "image/archive/tree_tar.h"

namespace pier::app {

Status export_container(const std::string& pier_root, const state::ContainerRecord& r, const std::string& output) {
  if (output.empty() && ::isatty(STDOUT_FILENO))
    return Error("refusing to write a tar to a terminal").hint("use -o FILE or redirect the output");
  PIER_TRY(sys::ContentRoot root, open_container_root(r, pier_root, RootAccess::read));
  UniqueFd file;
  int fd = STDOUT_FILENO;
  if (!output.empty()) {
    file = UniqueFd(::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!file) return Error::system("create", output, errno);
    fd = file.get();
  }
  auto written = [&]() -> Status {
    PIER_TRY(image::TreeTar tar, image::TreeTar::to_fd(fd, output.empty() ? "stdout" : output));
    tar.set_one_file_system(true);
    PIER_CHECK(tar.add_tree(root, "/", "", sys::LastLink::follow_in_root));
    return tar.close();
  }();
  // A tar cut short must not pass for the container's filesystem.
  if (!written && !output.empty()) ::unlink(output.c_str());
  return written;
}

}  // namespace pier::app
