#include "app/copy.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <functional>
#include <thread>

#include "app/container_root.h"
#include "app/copy_paths.h"
#include "image/archive/tree_extract.h"
#include "image/archive/tree_tar.h"

namespace pier::app {
namespace {

// Container paths are relative to the container's `/`, as docker cp takes them.
std::string in_container(const std::string& path) { return path.starts_with('/') ? path : "/" + path; }

// Host paths are relative to the working directory.
Result<std::string> on_host(const std::string& path) {
  if (path.starts_with('/')) return path;
  char cwd[4096];
  if (!::getcwd(cwd, sizeof cwd)) return Error::system("get the working directory for", path, errno);
  return std::string(cwd) + "/" + path;
}

sys::LastLink top_link(const std::string& source, const CopyOptions& o) {
  // `link/` means the directory the link names, as it does to cp(1).
  return o.follow_link || ends_in_separator(source) ? sys::LastLink::follow_in_root : sys::LastLink::refuse;
}

// Runs `produce` on a second thread, writing a tar into a pipe that `consume` reads
// here. When the consumer stops early the producer's next write fails with EPIPE (its
// thread blocks SIGPIPE) instead of waiting forever; the producer's error comes first,
// since the consumer then only sees a stream cut short.
Status pipe_through(const std::function<Status(int)>& produce, const std::function<Status(int)>& consume) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Error::system("create", "a pipe for the copy", errno);
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  Status produced;
  std::thread producer([&] {
    sigset_t pipe_signal;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);
    produced = produce(write_end.get());
    write_end.reset();
  });
  Status consumed = consume(read_end.get());
  if (consumed) {
    // The tar's end marker may come before the last block's padding: read to the end
    // so the producer finishes its writes.
    char drain[4096];
    while (::read(read_end.get(), drain, sizeof drain) > 0) {
    }
  }
  read_end.reset();
  producer.join();
  if (!produced) return produced;
  return consumed;
}

void warn_skipped(const std::vector<std::string>& skipped, const std::string& where) {
  for (const auto& name : skipped)
    std::fprintf(stderr, "warning: device node `%s` was not copied to %s: pier makes no device nodes a container "
                         "chose on the host\n", name.c_str(), where.c_str());
}

}  // namespace

Status copy_from_container(const std::string& pier_root, const state::ContainerRecord& r,
                           const std::string& source, const std::string& dest, const CopyOptions& o) {
  PIER_TRY(sys::ContentRoot root, open_container_root(r, pier_root, RootAccess::read));
  const std::string rel = in_container(source);
  const sys::LastLink top = top_link(source, o);
  auto st = sys::stat_in_root(root, rel, top);
  if (!st && st.error().errnum() == ENOTDIR) return Error::system("copy", root.path + rel, ENOTDIR);
  if (!st && sys::is_absent(st.error()))
    return Error("could not find the file " + rel + " in container " + r.name);
  if (!st) return std::move(st).error();
  const bool is_dir = S_ISDIR(st->st_mode);
  if (ends_in_separator(source) && !is_dir) return Error::system("copy", root.path + rel, ENOTDIR);

  if (dest == "-") {
    PIER_TRY(image::TreeTar tar, image::TreeTar::to_fd(STDOUT_FILENO, "stdout"));
    PIER_CHECK(tar.add_tree(root, rel, is_dir && means_content(source) ? "" : base_name(rel), top));
    return tar.close();
  }

  CopyDestination d{dest};
  struct stat host {};
  if (::stat(dest.c_str(), &host) == 0) {
    d.exists = true;
    d.is_dir = S_ISDIR(host.st_mode);
  } else if (errno != ENOENT) {
    return Error::system("stat", dest, errno);
  }
  PIER_TRY(Placement place, place_copy(source, is_dir, d));
  UniqueFd dir(::open(place.dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return Error::system("open the destination directory", place.dir, errno);
  image::ExtractOptions options;
  options.owner = std::make_pair(::geteuid(), ::getegid());  // docker cp: the files are the copier's
  options.onto_host = true;
  std::vector<std::string> skipped;
  PIER_CHECK(pipe_through(
      [&](int fd) -> Status {
        PIER_TRY(image::TreeTar tar, image::TreeTar::to_fd(fd, "the copy's pipe"));
        PIER_CHECK(tar.add_tree(root, rel, place.name, top));
        return tar.close();
      },
      [&](int fd) -> Status {
        PIER_TRY(skipped, image::extract_tar(fd, root.path + rel, std::move(dir), place.dir, options));
        return {};
      }));
  warn_skipped(skipped, place.dir);
  return {};
}

Status copy_to_container(const std::string& pier_root, const std::string& source,
                         const state::ContainerRecord& r, const std::string& dest, const CopyOptions& o) {
  PIER_TRY(sys::ContentRoot root, open_container_root(r, pier_root, RootAccess::write));
  const std::string rel_dest = in_container(dest);
  // The destination's links are followed as the container would follow them: inside its
  // root, whatever they point to.
  CopyDestination d{rel_dest};
  if (auto st = sys::stat_in_root(root, rel_dest, sys::LastLink::follow_in_root)) {
    d.exists = true;
    d.is_dir = S_ISDIR(st->st_mode);
  } else if (!sys::is_absent(st.error())) {
    return std::move(st).error();
  }
  image::ExtractOptions options;
  if (!o.archive) {
    // Without -a the copy belongs to the container's root user: the owner of its `/`,
    // which is the mapped root in a user namespace.
    PIER_TRY(struct stat top, sys::stat_in_root(root, "/", sys::LastLink::follow_in_root));
    options.owner = std::make_pair(top.st_uid, top.st_gid);
  }

  if (source == "-") {
    if (!d.is_dir) return Error("destination " + root.path + rel_dest + " must be a directory to extract a tar into");
    PIER_TRY(UniqueFd dir, sys::open_directory_in_root(root, rel_dest, sys::LastLink::follow_in_root));
    PIER_CHECK(image::extract_tar(STDIN_FILENO, "stdin", std::move(dir), root.path + rel_dest, options));
    return {};
  }

  sys::ContentRoot host{UniqueFd(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)), ""};
  if (!host.fd) return Error::system("open", "/", errno);
  PIER_TRY(std::string abs, on_host(source));
  const sys::LastLink top = top_link(source, o);
  PIER_TRY(struct stat st, sys::stat_in_root(host, abs, top));
  const bool is_dir = S_ISDIR(st.st_mode);
  if (ends_in_separator(source) && !is_dir) return Error::system("copy", abs, ENOTDIR);
  PIER_TRY(Placement place, place_copy(source, is_dir, d));
  auto dir = sys::open_directory_in_root(root, place.dir, sys::LastLink::follow_in_root);
  if (!dir && sys::is_absent(dir.error()))
    return Error("destination directory " + root.path + place.dir + " does not exist in container " + r.name);
  if (!dir) return std::move(dir).error();
  return pipe_through(
      [&](int fd) -> Status {
        PIER_TRY(image::TreeTar tar, image::TreeTar::to_fd(fd, "the copy's pipe"));
        PIER_CHECK(tar.add_tree(host, abs, place.name, top));
        return tar.close();
      },
      [&](int fd) -> Status {
        PIER_CHECK(image::extract_tar(fd, abs, std::move(*dir), root.path + place.dir, options));
        return {};
      });
}

}  // namespace pier::app
