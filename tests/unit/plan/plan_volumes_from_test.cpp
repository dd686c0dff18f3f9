// `volumes_from` and `type: image` volumes as plan data: what is copied from another
// container's plan, with which mode and at which targets; which image is mounted.
#include <catch2/catch.hpp>

#include "unit/plan/plan_helpers.h"

using namespace pier;
using namespace pier::plan;
using namespace pier::plan::test;

namespace {

runtime::BindMount bind(std::string source, std::string target, bool read_only = false) {
  runtime::BindMount b;
  b.source = std::move(source);
  b.target = std::move(target);
  b.read_only = read_only;
  return b;
}

// The mounts of the containers this project has: db-1 (service db) and `legacy`.
Result<std::vector<runtime::BindMount>> sources(const std::string& source) {
  if (source == "db")
    return std::vector<runtime::BindMount>{bind("/vol/proj_data/_data", "/data"), bind("/scratch/db-1/anon", "/cache"),
                                           bind("/host/conf", "/conf", true)};
  if (source == "container:legacy") return std::vector<runtime::BindMount>{bind("/vol/legacy/_data", "/data")};
  return Error("no container `proj-" + source + "-1` to take volumes from").hint("create it first");
}

ServicePlan plan_with_sources(const std::string& yaml, image::ImageConfig config = busybox_config()) {
  auto s = setup(yaml, std::move(config));
  s->in.find_volumes = sources;
  auto plan = plan_container(s->in);
  if (!plan) throw std::runtime_error(plan.error().to_string());
  return std::move(*plan);
}

const runtime::BindMount* at(const ServicePlan& p, const std::string& target) {
  for (const auto& b : p.spec.binds)
    if (b.target == target) return &b;
  return nullptr;
}

}  // namespace

TEST_CASE("volumes_from: every volume of the source, the same directories at the same targets", "[plan]") {
  auto p = plan_with_sources("services:\n  db:\n    image: busybox\n  app:\n    image: busybox\n    volumes_from: [db]\n");
  REQUIRE(p.spec.binds.size() == 3);
  CHECK(at(p, "/data")->source == "/vol/proj_data/_data");
  CHECK_FALSE(at(p, "/data")->read_only);
  CHECK(at(p, "/cache")->source == "/scratch/db-1/anon");  // the source's anonymous volume, not a new one
  CHECK(at(p, "/conf")->read_only);                         // the source's mode
  CHECK(p.volumes.empty());                                 // nothing of its own to create
  // What a third container copying from this one gets: the same.
  CHECK(p.volume_mounts.size() == 3);
}

TEST_CASE("volumes_from: `:ro` makes every copy read-only, `:rw` keeps a read-only one read-only", "[plan]") {
  auto ro = plan_with_sources("services:\n  db:\n    image: busybox\n  app:\n    image: busybox\n    volumes_from: [\"db:ro\"]\n");
  for (const auto& b : ro.spec.binds) CHECK(b.read_only);
  auto rw = plan_with_sources("services:\n  db:\n    image: busybox\n  app:\n    image: busybox\n    volumes_from: [\"db:rw\"]\n");
  CHECK_FALSE(at(rw, "/data")->read_only);
  CHECK(at(rw, "/conf")->read_only);
  auto named = plan_with_sources("services:\n  app:\n    image: busybox\n    volumes_from: [\"container:legacy:ro\"]\n");
  REQUIRE(named.spec.binds.size() == 1);
  CHECK(named.spec.binds[0].source == "/vol/legacy/_data");
  CHECK(named.spec.binds[0].read_only);
}

TEST_CASE("volumes_from: the service's own mount wins at a target, a later source over an earlier one", "[plan]") {
  auto p = plan_with_sources(R"(services:
  db:
    image: busybox
  app:
    image: busybox
    volumes: [/mine:/conf]
    tmpfs: [/cache]
    volumes_from: [db, "container:legacy"]
)");
  CHECK(at(p, "/conf")->source == "/mine");
  CHECK_FALSE(at(p, "/cache"));  // the tmpfs is there
  CHECK(at(p, "/data")->source == "/vol/legacy/_data");
  CHECK(p.spec.binds.size() == 2);
}

TEST_CASE("volumes_from: an image VOLUME at a copied target is not a fresh anonymous volume", "[plan]") {
  image::ImageConfig config = busybox_config();
  config.volumes = {"/cache", "/logs"};
  auto p = plan_with_sources("services:\n  db:\n    image: busybox\n  app:\n    image: busybox\n    volumes_from: [db]\n",
                             config);
  CHECK(at(p, "/cache")->source == "/scratch/db-1/anon");
  REQUIRE(p.volumes.size() == 1);
  CHECK(p.volumes[0].target == "/logs");
}

TEST_CASE("volumes_from: a source with no container is an error naming the service and the source", "[plan]") {
  auto s = setup("services:\n  web:\n    image: busybox\n  app:\n    image: busybox\n    volumes_from: [\"web:ro\"]\n");
  s->in.find_volumes = sources;
  auto plan = plan_container(s->in);
  REQUIRE_FALSE(plan);
  CHECK(plan.error().to_string() ==
        "compose.yaml:6:5: service \"app\": volumes_from `web:ro`: no container `proj-web-1` to take volumes from "
        "(create it first)");
}

TEST_CASE("volumes_from copies bind mounts and volumes, never tmpfs or image mounts", "[plan]") {
  auto s = setup(R"(services:
  app:
    image: busybox
    volumes:
      - /host:/host
      - data:/data
      - /anon
      - {type: tmpfs, target: /tmp/t}
      - {type: image, source: content, target: /content}
volumes:
  data:
)");
  s->in.find_image = [](const std::string& ref) -> Result<image::ResolvedImage> {
    image::ResolvedImage img;
    img.record.name = "docker.io/library/" + ref + ":latest";
    img.layer_dirs = {"/store/c/root"};
    return img;
  };
  auto p = plan_container(s->in).value();
  std::vector<std::string> targets;
  for (const auto& b : p.volume_mounts) targets.push_back(b.target);
  CHECK(targets == std::vector<std::string>{"/host", "/data", "/anon"});
}

TEST_CASE("type: image mounts the image read-only, its subpath inside it", "[plan]") {
  auto s = setup(R"(services:
  app:
    image: busybox
    volumes:
      - type: image
        source: content
        target: /srv/
        image: {subpath: www/site}
)");
  std::string asked;
  s->in.find_image = [&](const std::string& ref) -> Result<image::ResolvedImage> {
    asked = ref;
    image::ResolvedImage img;
    img.record.name = "docker.io/library/content:latest";
    img.layer_dirs = {"/store/top/root", "/store/base/root"};
    return img;
  };
  auto p = plan_container(s->in).value();
  CHECK(asked == "content");
  REQUIRE(p.spec.binds.size() == 1);
  const auto& b = p.spec.binds[0];
  CHECK(b.target == "/srv");
  CHECK(b.source == "docker.io/library/content:latest");
  CHECK(b.image_layers == std::vector<std::string>{"/store/top/root", "/store/base/root"});
  CHECK(b.subpath == "www/site");
  CHECK(b.read_only);
  CHECK(mounted_images(*s->in.service) == std::vector<std::string>{"content"});
}

TEST_CASE("type: image errors point at the volume entry", "[plan]") {
  auto error = [](const std::string& entry, bool in_store = true) {
    auto s = setup("services:\n  app:\n    image: busybox\n    volumes:\n      - " + entry + "\n");
    s->in.find_image = [in_store](const std::string& ref) -> Result<image::ResolvedImage> {
      if (!in_store) return Error("image `" + ref + "` is not in the store").hint("pull it");
      image::ResolvedImage img;
      img.layer_dirs = {"/store/c/root"};
      return img;
    };
    auto plan = plan_container(s->in);
    return plan ? std::string("<no error>") : plan.error().to_string();
  };
  CHECK(error("{type: image, source: content, target: /c, image: {subpath: ../etc}}") ==
        "compose.yaml:5:9: service \"app\": image subpath `../etc` must be a plain relative path");
  CHECK(error("{type: image, source: content, target: /c, image: {subpath: /etc}}") ==
        "compose.yaml:5:9: service \"app\": image subpath `/etc` must be a plain relative path");
  CHECK(error("{type: image, target: /c}") ==
        "compose.yaml:5:9: service \"app\": image mount at `/c` has no `source` (name the image to mount in `source`)");
  CHECK(error("{type: image, source: content, target: /c}", false) ==
        "compose.yaml:5:9: service \"app\": image mount `content` -> `/c`: image `content` is not in the store (pull it)");
}
