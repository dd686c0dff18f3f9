#include <catch2/catch.hpp>

#include <tuple>

#include "runtime/plan_builder.h"
#include "runtime/users.h"

using namespace pier::runtime;

namespace {
const char* kPasswd = "root:x:0:0:root:/root:/bin/sh\n# comment\napp:x:1000:1000::/home/app:/bin/sh\nbroken:line\n";
const char* kGroup = "root:x:0:\nwheel:x:10:app,other\napp:x:1000:\nstaff:x:50:\n";
}  // namespace

TEST_CASE("users resolve by name, number and with groups", "[runtime][users]") {
  auto root = resolve_user("", {}, kPasswd, kGroup).value();
  CHECK(root.uid == 0);
  CHECK(root.home == "/root");
  auto app = resolve_user("app", {"staff", "99"}, kPasswd, kGroup).value();
  CHECK(app.uid == 1000);
  CHECK(app.gid == 1000);
  CHECK(app.groups == std::vector<gid_t>{10, 50, 99});
  auto num = resolve_user("1000:staff", {}, kPasswd, kGroup).value();
  CHECK(num.gid == 50);
  auto unknown = resolve_user("4242", {}, kPasswd, kGroup).value();
  CHECK(unknown.uid == 4242);
  CHECK(unknown.gid == 0);
  CHECK(unknown.home == "/");
  CHECK(resolve_user("7:8", {}, "", "").value().gid == 8);
}

TEST_CASE("unknown names are clear errors", "[runtime][users]") {
  CHECK(resolve_user("ghost", {}, kPasswd, kGroup).error().to_string() ==
        "user `ghost` not found in the container's /etc/passwd (use a numeric uid or add the user to the image)");
  CHECK_THAT(resolve_user("app:nogroup", {}, kPasswd, kGroup).error().to_string(),
             Catch::Contains("group `nogroup` not found"));
  CHECK_FALSE(resolve_user("app", {"nogroup"}, kPasswd, kGroup).ok());
}

TEST_CASE("file owners: numbers as they are, names from the image, empty is root", "[runtime][users]") {
  auto root = resolve_file_owner("", "", kPasswd, kGroup).value();
  CHECK(root.uid == 0);
  CHECK(root.gid == 0);
  auto named = resolve_file_owner("app", "wheel", kPasswd, kGroup).value();
  CHECK(named.uid == 1000);
  CHECK(named.gid == 10);  // the group asked for, not the user's primary one
  auto numbers = resolve_file_owner("4242", "4343", "", "").value();  // not in the image: taken as is
  CHECK(numbers.uid == 4242);
  CHECK(numbers.gid == 4343);
  CHECK(resolve_file_owner("app", "", kPasswd, kGroup).value().gid == 0);
  CHECK(resolve_file_owner("ghost", "", kPasswd, kGroup).error().to_string() ==
        "user `ghost` not found in the container's /etc/passwd (use a numeric uid or add the user to the image)");
  CHECK_THAT(resolve_file_owner("", "ghosts", kPasswd, kGroup).error().to_string(),
             Catch::StartsWith("group `ghosts` not found in the container's /etc/group"));
}

TEST_CASE("ids outside 0..4294967294 are out of range, never looked up or wrapped", "[runtime][users]") {
  // 4294967295 is (uid_t)-1: setresuid would leave the process as it was, root.
  CHECK(resolve_user("4294967295", {}, kPasswd, kGroup).error().to_string() ==
        "uid `4294967295` is out of range: ids go from 0 to 4294967294");
  CHECK(resolve_user("4294967296", {}, kPasswd, kGroup).error().to_string() ==
        "uid `4294967296` is out of range: ids go from 0 to 4294967294");
  CHECK_THAT(resolve_user("app:4294967295", {}, kPasswd, kGroup).error().to_string(),
             Catch::Contains("gid `4294967295` is out of range"));
  CHECK_THAT(resolve_user("app", {"4294967295"}, kPasswd, kGroup).error().to_string(),
             Catch::Contains("gid `4294967295` is out of range"));
  CHECK_THAT(resolve_file_owner("99999999999", "", kPasswd, kGroup).error().to_string(),
             Catch::Contains("uid `99999999999` is out of range"));
  CHECK(resolve_user("4294967294:4294967294", {}, "", "").value().uid == 4294967294u);
  // An image whose passwd or group gives an entry id -1 cannot hand it over by name.
  CHECK_FALSE(resolve_user("evil", {}, "evil:x:4294967295:0::/:/bin/sh\n", "").ok());
  CHECK_FALSE(resolve_user("0:evil", {}, "", "evil:x:4294967295:\n").ok());
}

TEST_CASE("the process plan refuses uid and gid 4294967295 whoever hands them in", "[runtime][users]") {
  Process process;
  process.argv = {"id"};
  for (auto [uid, gid, group] : {std::tuple<uid_t, gid_t, gid_t>{static_cast<uid_t>(-1), 0, 0},
                                 {0, static_cast<gid_t>(-1), 0}, {1000, 1000, static_cast<gid_t>(-1)}}) {
    ResolvedUser user;
    user.uid = uid;
    user.gid = gid;
    user.groups = {group};
    ContainerPlan plan;
    auto st = plan_process(plan, process, user, "", false, SeccompMode::unconfined, false, "");
    INFO(uid << ":" << gid << " +" << group);
    REQUIRE_FALSE(st.ok());
    CHECK_THAT(st.error().to_string(), Catch::Contains("4294967295 mean"));
  }
}
