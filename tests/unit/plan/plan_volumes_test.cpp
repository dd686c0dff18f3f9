#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "unit/image/temp_dir.h"
#include "unit/plan/plan_helpers.h"

using namespace pier;
using namespace pier::plan;
using namespace pier::plan::test;
namespace fs = std::filesystem;

namespace {

void write(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << text;
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool exists(const std::string& path) {
  struct stat st{};
  return ::lstat(path.c_str(), &st) == 0;
}

// Two layers: base has /data/{a,old}.txt and /run/app/x.txt; top adds /data/c.txt and
// makes /var/run a symlink to /run.
struct Image {
  pier::test::TempDir dir;
  std::string top = dir / "top", base = dir / "base";
  Image() {
    write(base + "/data/a.txt", "from base");
    write(base + "/data/old.txt", "old");
    write(base + "/data/sub/b.txt", "nested");
    write(base + "/run/app/x.txt", "run");
    write(top + "/data/c.txt", "from top");
    fs::create_directories(top + "/var");
    fs::create_symlink("/run", top + "/var/run");
    ::chmod((base + "/data").c_str(), 0750);
    ::chmod((top + "/data").c_str(), 0750);
  }
};

std::unique_ptr<Setup> volume_setup(const std::string& yaml, const Image& img, const pier::test::TempDir& root) {
  auto s = setup(yaml);
  s->image.layer_dirs = {img.top, img.base};
  s->in.paths = state::project_paths(root.path(), "proj").value();
  return s;
}

}  // namespace

TEST_CASE("prepare_volumes: a new named volume gets the image's files, an existing one is left alone",
          "[plan][volumes]") {
  Image img;
  pier::test::TempDir root;
  auto s = volume_setup("services:\n  app:\n    image: busybox\n    volumes: [data:/data]\nvolumes:\n  data:\n", img, root);
  auto plan = plan_container(s->in);
  REQUIRE(plan);
  REQUIRE(prepare_volumes(s->in, *plan));
  const std::string vol = root / "volumes/proj_data/_data";
  CHECK(read(vol + "/a.txt") == "from base");
  CHECK(read(vol + "/c.txt") == "from top");
  CHECK(read(vol + "/sub/b.txt") == "nested");
  struct stat st{};
  REQUIRE(::stat(vol.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0750);
  // Built under a temporary name, renamed into place: nothing else is left beside it.
  CHECK(std::distance(fs::directory_iterator(root / "volumes/proj_data"), fs::directory_iterator{}) == 1);

  // Second use: the volume is the container's now; the image is not copied again.
  write(img.base + "/data/a.txt", "changed in the image");
  write(img.top + "/data/new.txt", "new in the image");
  fs::remove(vol + "/c.txt");
  REQUIRE(prepare_volumes(s->in, *plan));
  CHECK(read(vol + "/a.txt") == "from base");
  CHECK_FALSE(exists(vol + "/c.txt"));
  CHECK_FALSE(exists(vol + "/new.txt"));
}

TEST_CASE("prepare_volumes: nocopy, anonymous volumes, symlinked targets, missing paths", "[plan][volumes]") {
  Image img;
  pier::test::TempDir root;
  auto s = volume_setup(R"(services:
  app:
    image: busybox
    volumes:
      - type: volume
        source: empty
        target: /data
        volume: {nocopy: true}
      - /var/run/app
      - fresh:/not/in/image
volumes:
  empty:
  fresh:
)", img, root);
  auto plan = plan_container(s->in);
  REQUIRE(plan);
  REQUIRE(prepare_volumes(s->in, *plan));
  const std::string empty = root / "volumes/proj_empty/_data";
  REQUIRE(exists(empty));
  CHECK(fs::is_empty(empty));
  CHECK(fs::is_empty(root.path() + "/volumes/proj_fresh/_data"));
  // The anonymous volume follows the image's /var/run -> /run symlink, inside the image.
  const std::string anon = root / "volumes/_anonymous/proj/proj-app-1/_2fvar_2frun_2fapp";
  CHECK(read(anon + "/x.txt") == "run");
  struct stat st{};
  REQUIRE(::stat((root / "run/proj/scratch/proj-app-1").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
}

TEST_CASE("prepare_volumes: an external volume must exist", "[plan][volumes]") {
  Image img;
  pier::test::TempDir root;
  auto s = volume_setup("services:\n  app:\n    image: busybox\n    volumes: [ext:/data]\nvolumes:\n  ext:\n    external: true\n",
                        img, root);
  auto plan = plan_container(s->in);
  REQUIRE(plan);
  auto st = prepare_volumes(s->in, *plan);
  REQUIRE_FALSE(st);
  CHECK(st.error().to_string() == fmt::format("service \"app\": external volume \"ext\" not found (create `{}` or "
                                              "remove `external: true`)", root / "volumes/ext/_data"));
  fs::create_directories(root / "volumes/ext/_data");
  CHECK(prepare_volumes(s->in, *plan));
  CHECK(fs::is_empty(root / "volumes/ext/_data"));
}

TEST_CASE("plan: an image VOLUME on /proc, /sys or /dev is refused, through the image's links too",
          "[plan][volumes]") {
  Image img;
  pier::test::TempDir root;
  fs::create_symlink("/proc", img.top + "/foo");
  fs::create_symlink("/sys/fs", img.top + "/bar");
  const std::string yaml = "services:\n  app:\n    image: busybox\n";
  auto refused = [&](const std::string& volume) {
    auto s = volume_setup(yaml, img, root);
    s->image.config.volumes = {volume};
    auto plan = plan_container(s->in);
    return plan ? std::string("<no error>") : plan.error().to_string();
  };
  CHECK(refused("/proc") == "compose.yaml:3:5: service \"app\": image VOLUME `/proc`: a volume on or under /proc, "
                            "/sys or /dev is refused (rebuild the image without this VOLUME)");
  CHECK_THAT(refused("/sys/kernel/"), Catch::Contains("image VOLUME `/sys/kernel`: a volume on or under"));
  CHECK_THAT(refused("/dev/shm"), Catch::Contains("image VOLUME `/dev/shm`: a volume on or under"));
  CHECK_THAT(refused("/foo"), Catch::Contains("image VOLUME `/foo` (`/proc` in the image): a volume on or under"));
  CHECK_THAT(refused("/foo/self"), Catch::Contains("image VOLUME `/foo/self` (`/proc/self` in the image)"));
  CHECK_THAT(refused("/bar/x"), Catch::Contains("(`/sys/fs/x` in the image)"));
  CHECK(refused("/var/run/app") == "<no error>");  // -> /run/app
  CHECK(refused("/device") == "<no error>");       // a prefix of the name is not the directory
}
