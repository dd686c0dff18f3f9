#include <catch2/catch.hpp>

#include <csignal>

#include "plan/signals.h"
#include "unit/plan/plan_helpers.h"

using namespace pier;
using namespace pier::plan;
using namespace pier::plan::test;
using std::chrono::milliseconds;
using Argv = std::vector<std::string>;

namespace {

image::ImageConfig with_healthcheck() {
  auto c = busybox_config();
  image::HealthConfig h;
  h.test = {"CMD-SHELL", "wget -q -O- localhost"};
  h.interval_ns = 10'000'000'000;
  h.retries = 5;
  c.healthcheck = h;
  c.stop_signal = "SIGQUIT";
  c.labels = {{"maintainer", "image"}, {"com.docker.compose.project", "forged"}};
  return c;
}

}  // namespace

TEST_CASE("plan: healthcheck defaults, CMD and CMD-SHELL", "[plan]") {
  auto p = plan_of("services:\n  app:\n    image: busybox\n    healthcheck:\n      test: [CMD, pg_isready, -U, app]\n");
  REQUIRE(p.health);
  CHECK(p.health->argv == Argv{"pg_isready", "-U", "app"});
  CHECK(p.health->interval == milliseconds(30000));
  CHECK(p.health->timeout == milliseconds(30000));
  CHECK(p.health->start_period == milliseconds(0));
  CHECK(p.health->start_interval == milliseconds(5000));
  CHECK(p.health->retries == 3);
  auto shell = plan_of(R"(services:
  app:
    image: busybox
    healthcheck:
      test: curl -f http://localhost
      interval: 2s
      timeout: 500ms
      start_period: 1m
      start_interval: 1s
      retries: 7
)");
  REQUIRE(shell.health);
  CHECK(shell.health->argv == Argv{"/bin/sh", "-c", "curl -f http://localhost"});
  CHECK(shell.health->interval == milliseconds(2000));
  CHECK(shell.health->timeout == milliseconds(500));
  CHECK(shell.health->start_period == milliseconds(60000));
  CHECK(shell.health->start_interval == milliseconds(1000));
  CHECK(shell.health->retries == 7);
  CHECK_FALSE(plan_of("services:\n  app:\n    image: busybox\n").health);
}

TEST_CASE("plan: the service's healthcheck fields override the image's one by one", "[plan]") {
  auto from_image = plan_of("services:\n  app:\n    image: busybox\n", with_healthcheck());
  REQUIRE(from_image.health);
  CHECK(from_image.health->argv == Argv{"/bin/sh", "-c", "wget -q -O- localhost"});
  CHECK(from_image.health->interval == milliseconds(10000));
  CHECK(from_image.health->retries == 5);
  auto merged = plan_of("services:\n  app:\n    image: busybox\n    healthcheck:\n      interval: 3s\n", with_healthcheck());
  REQUIRE(merged.health);
  CHECK(merged.health->argv == Argv{"/bin/sh", "-c", "wget -q -O- localhost"});
  CHECK(merged.health->interval == milliseconds(3000));
  CHECK(merged.health->retries == 5);
  CHECK_FALSE(plan_of("services:\n  app:\n    image: busybox\n    healthcheck:\n      disable: true\n", with_healthcheck()).health);
  CHECK_FALSE(plan_of("services:\n  app:\n    image: busybox\n    healthcheck:\n      test: NONE\n", with_healthcheck()).health);
  CHECK(error_of("services:\n  app:\n    image: busybox\n    healthcheck:\n      test: [CMD]\n") ==
        "compose.yaml:4:5: service \"app\": the healthcheck test has no command");
}

TEST_CASE("plan: restart policies", "[plan]") {
  auto restart = [](const std::string& value) {
    return plan_of("services:\n  app:\n    image: busybox\n    restart: \"" + value + "\"\n").restart;
  };
  CHECK(plan_of("services:\n  app:\n    image: busybox\n").restart.kind == RestartKind::no);
  CHECK(restart("no").kind == RestartKind::no);
  CHECK(restart("always").kind == RestartKind::always);
  CHECK(restart("unless-stopped").kind == RestartKind::unless_stopped);
  CHECK(restart("on-failure").kind == RestartKind::on_failure);
  CHECK_FALSE(restart("on-failure").max_retries);
  CHECK(restart("on-failure:4").max_retries == 4);
  auto deploy = [](const std::string& policy) {
    return plan_of("services:\n  app:\n    image: busybox\n    restart: always\n    deploy:\n      restart_policy: " +
                   policy + "\n");
  };
  CHECK(deploy("{condition: none}").restart.kind == RestartKind::no);
  CHECK(deploy("{condition: any}").restart.kind == RestartKind::always);
  CHECK(deploy("{max_attempts: 2}").restart.kind == RestartKind::always);
  auto on_failure = deploy("{condition: on-failure, max_attempts: 3}");
  CHECK(on_failure.restart.kind == RestartKind::on_failure);
  CHECK(on_failure.restart.max_retries == 3);
  CHECK_THAT(warnings_of(deploy("{condition: any, max_attempts: 3}")),
             Catch::Contains("restart_policy.max_attempts applies only to condition on-failure"));
}

TEST_CASE("plan: stop signal and grace period", "[plan]") {
  auto p = plan_of("services:\n  app:\n    image: busybox\n");
  CHECK(p.stop_signal == SIGTERM);
  CHECK(p.stop_grace == milliseconds(10000));
  CHECK(plan_of("services:\n  app:\n    image: busybox\n", with_healthcheck()).stop_signal == SIGQUIT);
  auto s = plan_of("services:\n  app:\n    image: busybox\n    stop_signal: SIGINT\n    stop_grace_period: 1m30s\n",
                   with_healthcheck());
  CHECK(s.stop_signal == SIGINT);
  CHECK(s.stop_grace == milliseconds(90000));
  CHECK(error_of("services:\n  app:\n    image: busybox\n    stop_signal: SIGFLY\n") ==
        "compose.yaml:4:5: service \"app\": invalid stop_signal `SIGFLY` (use a name such as SIGTERM, SIGINT or "
        "SIGRTMIN+3, or a number)");
  auto bad_image = busybox_config();
  bad_image.stop_signal = "SIGNOPE";
  CHECK_THAT(error_of("services:\n  app:\n    image: busybox\n", bad_image),
             Catch::StartsWith("compose.yaml:3:5: service \"app\": the image's stop signal `SIGNOPE` is not a signal"));
}

TEST_CASE("signals parse as Docker reads them", "[plan][signals]") {
  CHECK(parse_signal("SIGTERM") == SIGTERM);
  CHECK(parse_signal("term") == SIGTERM);
  CHECK(parse_signal("15") == 15);
  CHECK(parse_signal("SIGRTMIN") == SIGRTMIN);
  CHECK(parse_signal("SIGRTMIN+3") == SIGRTMIN + 3);
  CHECK(parse_signal("RTMAX-1") == SIGRTMAX - 1);
  CHECK(parse_signal("sigusr1") == SIGUSR1);
  CHECK_FALSE(parse_signal("0"));
  CHECK_FALSE(parse_signal("65"));
  CHECK_FALSE(parse_signal("SIGRTMIN+40"));
  CHECK_FALSE(parse_signal("RTMIN-1"));
  CHECK_FALSE(parse_signal(""));
  CHECK_FALSE(parse_signal("SIG"));
}

TEST_CASE("plan: labels are the image's, the service's and Compose's own", "[plan]") {
  auto s = setup(R"(services:
  db:
    image: busybox
  app:
    image: busybox
    labels:
      maintainer: service
      tier: web
    depends_on:
      db:
        condition: service_healthy
)", with_healthcheck(), "app");
  s->in.id.number = 2;
  auto p = plan_container(s->in);
  REQUIRE(p);
  const auto& l = p->labels;
  CHECK(l.at("maintainer") == "service");
  CHECK(l.at("tier") == "web");
  CHECK(l.at("com.docker.compose.project") == "proj");
  CHECK(l.at("com.docker.compose.service") == "app");
  CHECK(l.at("com.docker.compose.container-number") == "2");
  CHECK(l.at("com.docker.compose.oneoff") == "False");
  CHECK(l.at("com.docker.compose.config-hash") == "cafe");
  CHECK(l.at("com.docker.compose.project.config_files") == "/work/proj/compose.yaml");
  CHECK(l.at("com.docker.compose.project.working_dir") == "/work/proj");
  CHECK(l.at("com.docker.compose.image") == "sha256:" + std::string(64, 'b'));
  CHECK(l.at("com.docker.compose.depends_on") == "db:service_healthy:false");
  CHECK_FALSE(l.at("com.docker.compose.version").empty());
  CHECK_FALSE(l.count("com.docker.compose.slug"));

  s->in.id.oneoff = true;
  auto run = plan_container(s->in);
  REQUIRE(run);
  CHECK(run->labels.at("com.docker.compose.oneoff") == "True");
  CHECK(run->labels.at("com.docker.compose.slug") == kId);
}
