#include <catch2/catch.hpp>

#include "plan/command_display.h"
#include "unit/plan/plan_helpers.h"

using namespace pier;
using namespace pier::plan;
using namespace pier::plan::test;
using Argv = std::vector<std::string>;

namespace {

image::ImageConfig with_entrypoint() {
  auto c = busybox_config();
  c.entrypoint = {"/docker-entrypoint.sh"};
  c.cmd = {"nginx", "-g", "daemon off;"};
  return c;
}

}  // namespace

TEST_CASE("plan: argv merges entrypoint and command as the Docker engine does", "[plan]") {
  const std::string head = "services:\n  app:\n    image: busybox\n";
  CHECK(plan_of(head, with_entrypoint()).spec.process.argv == Argv{"/docker-entrypoint.sh", "nginx", "-g", "daemon off;"});
  CHECK(plan_of(head + "    command: echo hi\n", with_entrypoint()).spec.process.argv ==
        Argv{"/docker-entrypoint.sh", "echo", "hi"});
  // A service entrypoint drops the image's CMD.
  CHECK(plan_of(head + "    entrypoint: /bin/true\n", with_entrypoint()).spec.process.argv == Argv{"/bin/true"});
  CHECK(plan_of(head + "    entrypoint: [/bin/echo]\n    command: [a, b]\n", with_entrypoint()).spec.process.argv ==
        Argv{"/bin/echo", "a", "b"});
  // `entrypoint: []` drops the image's ENTRYPOINT but keeps its CMD.
  CHECK(plan_of(head + "    entrypoint: []\n", with_entrypoint()).spec.process.argv == Argv{"nginx", "-g", "daemon off;"});
  CHECK(plan_of(head + "    entrypoint: ''\n    command: [ls]\n", with_entrypoint()).spec.process.argv == Argv{"ls"});
  // `command: []` is what the engine calls unset: the image's CMD stays.
  CHECK(plan_of(head + "    command: []\n", with_entrypoint()).spec.process.argv ==
        Argv{"/docker-entrypoint.sh", "nginx", "-g", "daemon off;"});
}

TEST_CASE("plan: no command at all is an error at the service", "[plan]") {
  image::ImageConfig bare;
  CHECK(error_of("services:\n  app:\n    image: busybox\n", bare) ==
        "compose.yaml:3:5: service \"app\": no command specified: the service sets no command or entrypoint and the "
        "image has neither (add `command:` to the service)");
  CHECK_THAT(error_of("services:\n  app:\n    image: busybox\n    entrypoint: []\n", bare),
             Catch::StartsWith("compose.yaml:4:5: service \"app\": no command specified"));
}

TEST_CASE("plan: environment is the service's over the image's, after PATH, HOSTNAME and TERM", "[plan]") {
  auto config = busybox_config();
  // UNSET is written without a value and is not set: the image's value goes too.
  config.env = {"PATH=/opt/bin:/bin", "LANG=C.UTF-8", "MODE=image", "UNSET=image", "BARE"};
  auto p = plan_of(R"(services:
  app:
    image: busybox
    tty: true
    environment:
      MODE: service
      EMPTY: ""
      UNSET:
)", config);
  CHECK(p.spec.process.env == Argv{"PATH=/opt/bin:/bin", "HOSTNAME=3f2a9c1b7d4e", "TERM=xterm", "EMPTY=", "MODE=service",
                                   "LANG=C.UTF-8"});
  CHECK(p.spec.process.tty);
}

TEST_CASE("plan: PATH defaults like Docker's and the service can replace HOSTNAME", "[plan]") {
  image::ImageConfig config;
  config.cmd = {"sh"};
  auto p = plan_of("services:\n  app:\n    image: busybox\n    environment: [HOSTNAME=custom]\n", config);
  CHECK(p.spec.process.env ==
        Argv{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=custom"});
  CHECK(p.spec.hostname == "3f2a9c1b7d4e");
}

TEST_CASE("plan: working_dir, user, group_add, stdin_open", "[plan]") {
  auto config = busybox_config();
  config.working_dir = "/srv/app/";
  config.user = "nobody";
  auto from_image = plan_of("services:\n  app:\n    image: busybox\n", config);
  CHECK(from_image.spec.process.workdir == "/srv/app");
  CHECK(from_image.spec.process.user == "nobody");
  CHECK_FALSE(from_image.stdin_open);
  auto p = plan_of(R"(services:
  app:
    image: busybox
    working_dir: /data//x/../y
    user: "1000:1000"
    group_add: [audio, "44"]
    stdin_open: true
)", config);
  CHECK(p.spec.process.workdir == "/data/y");
  CHECK(p.spec.process.user == "1000:1000");
  CHECK(p.spec.process.group_add == Argv{"audio", "44"});
  CHECK(p.stdin_open);
  CHECK(plan_of("services:\n  app:\n    image: busybox\n").spec.process.workdir == "/");
  CHECK(error_of("services:\n  app:\n    image: busybox\n    working_dir: srv\n") ==
        "compose.yaml:4:5: service \"app\": working_dir `srv` is not an absolute path (write it as a path inside the "
        "container, starting with /)");
}

TEST_CASE("plan: the COMMAND column is Docker's quoted form", "[plan]") {
  CHECK(plan_of("services:\n  app:\n    image: busybox\n    command: [/bin/sh, -c, sleep 5]\n").command_display ==
        "\"/bin/sh -c 'sleep 5'\"");
  CHECK(command_display({"echo", "a\"b", "tab\there"}) == "\"echo a\\\"b tab\\there\"");
  CHECK(go_quote("caf\xc3\xa9\x01\xff\\") == "\"caf\xc3\xa9\\x01\\xff\\\\\"");
}
