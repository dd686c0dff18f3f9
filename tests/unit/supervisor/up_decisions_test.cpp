// The create/recreate/remove decisions of `up` as data: what the real run acts on and
// what `--dry-run` prints (up_decisions.h).
#include <catch2/catch.hpp>

#include "supervisor/up_decisions.h"
#include "unit/compose/model/helpers.h"

using namespace pier;
using namespace pier::supervisor;

namespace {

using Removal = UpDecisions::Removal;

WantedService wanted(const std::string& service, int replicas, const std::string& hash = "h1") {
  WantedService w;
  w.name = service;
  w.replicas = replicas;
  w.config_hash = hash;
  w.image_id = "sha256:img";
  w.prefix = "p-" + service + "-";
  return w;
}

ExistingContainer existing(const std::string& service, int number, const std::string& hash = "h1") {
  return {"p-" + service + "-" + std::to_string(number), service, number, false, hash, "sha256:img", ""};
}

std::vector<std::string> names(const std::vector<UpDecisions::Created>& created) {
  std::vector<std::string> out;
  for (const auto& c : created) out.push_back(c.name);
  return out;
}

std::vector<std::pair<std::string, Removal>> removals(const UpDecisions& d) {
  std::vector<std::pair<std::string, Removal>> out;
  for (const auto& r : d.removed) out.emplace_back(r.name, r.why);
  return out;
}

const std::set<std::string> kServices{"db", "web"};
const std::map<std::string, std::set<std::string>> kDependents{{"db", {"web"}}, {"web", {}}};

}  // namespace

TEST_CASE("up decisions: nothing there: every replica is created, in start order", "[supervisor][up]") {
  auto d = decide_up({wanted("db", 1), wanted("web", 2)}, {}, kServices, kDependents, {});
  CHECK(names(d.created) == std::vector<std::string>{"p-db-1", "p-web-1", "p-web-2"});
  CHECK(d.created[2].number == 2);
  CHECK(d.removed.empty());
  CHECK(d.kept.empty());
}

TEST_CASE("up decisions: an up-to-date project keeps every container", "[supervisor][up]") {
  auto d = decide_up({wanted("db", 1), wanted("web", 1)}, {existing("db", 1), existing("web", 1)}, kServices,
                     kDependents, {});
  CHECK(d.kept == std::vector<std::string>{"p-db-1", "p-web-1"});
  CHECK(d.created.empty());
  CHECK(d.removed.empty());
}

TEST_CASE("up decisions: a changed service is recreated, and so is what depends on it", "[supervisor][up]") {
  std::vector<ExistingContainer> there{existing("db", 1), existing("web", 1)};
  auto d = decide_up({wanted("db", 1, "h2"), wanted("web", 1)}, there, kServices, kDependents, {});
  CHECK(removals(d) == std::vector<std::pair<std::string, Removal>>{{"p-db-1", Removal::recreate},
                                                                     {"p-web-1", Removal::dependent}});
  CHECK(names(d.created) == std::vector<std::string>{"p-db-1", "p-web-1"});
  // A changed image or secret content counts as a change too.
  auto image = wanted("web", 1);
  image.image_id = "sha256:new";
  CHECK(removals(decide_up({image}, {existing("web", 1)}, kServices, kDependents, {})).size() == 1);
  auto secret = wanted("web", 1);
  secret.sources_digest = "s2";
  CHECK(removals(decide_up({secret}, {existing("web", 1)}, kServices, kDependents, {})).size() == 1);
  // --no-recreate keeps the changed container.
  control::UpOptions keep;
  keep.no_recreate = true;
  auto kept = decide_up({wanted("db", 1, "h2"), wanted("web", 1)}, there, kServices, kDependents, keep);
  CHECK(kept.removed.empty());
  CHECK(kept.created.empty());
}

TEST_CASE("up decisions: --force-recreate and --always-recreate-deps", "[supervisor][up]") {
  std::vector<ExistingContainer> there{existing("db", 1), existing("web", 1)};
  control::UpOptions force;
  force.force_recreate = true;
  auto d = decide_up({wanted("db", 1), wanted("web", 1)}, there, kServices, kDependents, force);
  CHECK(removals(d) == std::vector<std::pair<std::string, Removal>>{{"p-db-1", Removal::recreate},
                                                                     {"p-web-1", Removal::recreate}});
  // Only the dependency of the service named goes; the named one is up to date.
  control::UpOptions deps;
  deps.always_recreate_deps = true;
  deps.services = {"web"};
  auto e = decide_up({wanted("db", 1), wanted("web", 1)}, there, kServices, {{"db", {}}, {"web", {}}}, deps);
  CHECK(removals(e) == std::vector<std::pair<std::string, Removal>>{{"p-db-1", Removal::recreate}});
}

TEST_CASE("up decisions: --scale up creates the new replicas, down removes the highest", "[supervisor][up]") {
  std::vector<ExistingContainer> there{existing("web", 1), existing("web", 2), existing("web", 3)};
  auto down = decide_up({wanted("web", 1)}, there, kServices, kDependents, {});
  CHECK(removals(down) == std::vector<std::pair<std::string, Removal>>{{"p-web-2", Removal::scale_down},
                                                                        {"p-web-3", Removal::scale_down}});
  CHECK(down.kept == std::vector<std::string>{"p-web-1"});
  CHECK(down.created.empty());
  auto up = decide_up({wanted("web", 4)}, there, kServices, kDependents, {});
  CHECK(names(up.created) == std::vector<std::string>{"p-web-4"});
}

TEST_CASE("up decisions: scaling down keeps the up-to-date replicas and new ones number on", "[supervisor][up]") {
  // 1 and 2 are stale, 3 and 4 up to date: Compose keeps 3 and 4.
  std::vector<ExistingContainer> there{existing("web", 1, "old"), existing("web", 2, "old"), existing("web", 3),
                                       existing("web", 4)};
  auto d = decide_up({wanted("web", 2)}, there, kServices, {{"web", {}}}, {});
  CHECK(d.kept == std::vector<std::string>{"p-web-3", "p-web-4"});
  CHECK(removals(d) == std::vector<std::pair<std::string, Removal>>{{"p-web-1", Removal::scale_down},
                                                                     {"p-web-2", Removal::scale_down}});
  CHECK(d.created.empty());
  auto more = decide_up({wanted("web", 3)}, {existing("web", 3), existing("web", 4)}, kServices, {{"web", {}}}, {});
  CHECK(names(more.created) == std::vector<std::string>{"p-web-5"});
}

TEST_CASE("up decisions: a changed named volume or a network made anew recreates", "[supervisor][up]") {
  auto w = wanted("web", 1);
  w.volumes_hash = "v2";
  auto on_v1 = existing("web", 1);
  on_v1.volumes_hash = "v1";
  CHECK(removals(decide_up({w}, {on_v1}, kServices, {{"web", {}}}, {})).size() == 1);
  // A record of an older pier has no volumes hash: not compared.
  CHECK(decide_up({w}, {existing("web", 1)}, kServices, {{"web", {}}}, {}).removed.empty());
  auto on_changed = existing("web", 1);
  on_changed.on_changed_network = true;
  CHECK(removals(decide_up({wanted("web", 1)}, {on_changed}, kServices, {{"web", {}}}, {})) ==
        std::vector<std::pair<std::string, Removal>>{{"p-web-1", Removal::recreate}});
}

TEST_CASE("up decisions: orphans are warned about, or removed with --remove-orphans", "[supervisor][up]") {
  std::vector<ExistingContainer> there{existing("web", 1), existing("old", 1)};
  auto left = decide_up({wanted("web", 1)}, there, kServices, kDependents, {});
  CHECK(left.orphans_left == std::vector<std::string>{"p-old-1"});
  CHECK(left.removed.empty());
  control::UpOptions remove;
  remove.remove_orphans = true;
  auto gone = decide_up({wanted("web", 1)}, there, kServices, kDependents, remove);
  CHECK(removals(gone) == std::vector<std::pair<std::string, Removal>>{{"p-old-1", Removal::orphan}});
  CHECK(gone.orphans_left.empty());
}

TEST_CASE("up decisions: one-off containers are never touched", "[supervisor][up]") {
  auto run = existing("web", 1, "old");
  run.name = "p-web-run-1234";
  run.oneoff = true;
  auto orphan_run = existing("old", 1);
  orphan_run.name = "p-old-run-1";
  orphan_run.oneoff = true;
  control::UpOptions all;
  all.force_recreate = true;
  all.remove_orphans = true;
  auto d = decide_up({wanted("web", 1)}, {run, orphan_run}, kServices, kDependents, all);
  CHECK(d.removed.empty());
  CHECK(d.orphans_left.empty());
  CHECK(names(d.created) == std::vector<std::string>{"p-web-1"});
}

TEST_CASE("up targets: named services with their dependencies, in start order", "[supervisor][up]") {
  auto p = compose::test::normalize(
      "services:\n"
      "  web:\n    image: x\n    depends_on: [db]\n"
      "  db:\n    image: x\n"
      "  other:\n    image: x\n    scale: 3\n");
  REQUIRE(p);
  control::UpOptions options;
  options.services = {"web"};
  CHECK(*up_targets(*p, options) == std::vector<std::string>{"db", "web"});
  options.no_deps = true;
  CHECK(*up_targets(*p, options) == std::vector<std::string>{"web"});
  options.services = {"nope"};
  CHECK_THAT(up_targets(*p, options).error().to_string(), Catch::Contains("no such service: nope"));
  CHECK(wanted_replicas(*p->find_service("other"), {}) == 3);
  control::UpOptions scaled;
  scaled.scale = {{"other", 1}};
  CHECK(wanted_replicas(*p->find_service("other"), scaled) == 1);
}
