#include <catch2/catch.hpp>

#include "unit/compose/model/helpers.h"

using namespace pier::compose;
using namespace pier::compose::test;

TEST_CASE("x-pier-desktop: true, false and a mapping of parts", "[compose][desktop]") {
  auto on = normalize("services:\n  app:\n    image: busybox\n    x-pier-desktop: true\n");
  REQUIRE(on);
  const Service& a = *on->find_service("app");
  REQUIRE(a.desktop);
  CHECK(a.desktop->automatic);
  CHECK(a.desktop->user);
  CHECK(a.desktop->mark.to_string() == "compose.yaml:4:5");
  // Kept as written for `config`, as Docker Compose keeps every x- key.
  CHECK(a.extensions.at("x-pier-desktop") == Json(true));

  auto off = normalize("services:\n  app:\n    image: busybox\n    x-pier-desktop: false\n");
  REQUIRE(off);
  CHECK_FALSE(off->find_service("app")->desktop);

  auto parts = normalize("services:\n  app:\n    image: busybox\n    x-pier-desktop: {x11: true, gpu: yes, user: false}\n");
  REQUIRE(parts);
  const auto& d = *parts->find_service("app")->desktop;
  CHECK_FALSE(d.automatic);
  CHECK(d.x11);
  CHECK(d.gpu);
  CHECK_FALSE(d.wayland);
  CHECK_FALSE(d.pulseaudio);
  CHECK_FALSE(d.user);
}

TEST_CASE("x-pier-desktop: bad values fail at their location", "[compose][desktop]") {
  CHECK(error_of("services:\n  app:\n    image: busybox\n    x-pier-desktop: maybe\n") ==
        "compose.yaml:4:21: service \"app\": `x-pier-desktop` must be a boolean, got `maybe` "
        "(use true (everything the host has) or a mapping such as {x11: true, pulseaudio: true})");
  CHECK(error_of("services:\n  app:\n    image: busybox\n    x-pier-desktop:\n      x11: true\n      pulse: true\n") ==
        "compose.yaml:6:7: service \"app\": unknown key `pulse` in x-pier-desktop (use x11, wayland, pulseaudio, gpu or user)");
  CHECK(error_of("services:\n  app:\n    image: busybox\n    x-pier-desktop:\n      gpu: 2\n") ==
        "compose.yaml:5:12: service \"app\": `x-pier-desktop.gpu` must be a boolean, got `2` (use true or false)");
  CHECK(error_of("services:\n  app:\n    image: busybox\n    x-pier-desktop: [x11]\n") ==
        "compose.yaml:4:21: service \"app\": `x-pier-desktop` must be a boolean or a mapping of x11, wayland, "
        "pulseaudio, gpu, user, got sequence");
}
