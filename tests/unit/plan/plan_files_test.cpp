// Secrets and configs as planned: private files with content, owner and mode; errors
// located in the compose file; the digest `up` recreates by.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <fstream>

#include "unit/image/temp_dir.h"
#include "unit/plan/plan_helpers.h"

using namespace pier;
using namespace pier::plan;
using namespace pier::plan::test;

namespace {

const runtime::PrivateFile* file_at(const ServicePlan& p, const std::string& target) {
  for (const auto& f : p.spec.private_files)
    if (f.target == target) return &f;
  return nullptr;
}

std::string compose_with(const std::string& dir) {
  return fmt::format(R"(services:
  app:
    image: busybox
    secrets:
      - token
      - source: password
        target: db_password
        uid: "1000"
        gid: nogroup
        mode: 0400
      - source: password
        target: /etc/abs/password
    configs:
      - app_conf
      - source: motd
        target: /etc/motd
        uid: daemon
        mode: 0755
secrets:
  token:
    file: {0}/token
  password:
    environment: DB_PASSWORD
configs:
  app_conf:
    file: {0}/app.conf
  motd:
    content: "hello"
)", dir);
}

}  // namespace

TEST_CASE("plan: secrets and configs are private files with their owner and mode", "[plan]") {
  pier::test::TempDir dir;
  std::ofstream(dir / "token") << "t0ken";
  std::ofstream(dir / "app.conf") << "a=1\n";
  auto p = plan_of(compose_with(dir.path()));
  REQUIRE(p.spec.private_files.size() == 5);
  CHECK(p.spec.binds.empty());  // never the user's file itself
  // Nothing written under the run directory but the files that name the container.
  for (const auto& f : p.spec.files) CHECK((f.target == "/etc/hosts" || f.target == "/etc/resolv.conf" || f.target == "/etc/hostname"));

  const auto* token = file_at(p, "/run/secrets/token");
  REQUIRE(token);
  CHECK(token->content == "t0ken");
  CHECK(token->uid.empty());
  CHECK(token->gid.empty());
  CHECK(token->mode == 0444);  // Docker's default
  CHECK(token->what == "secret `token`");

  const auto* password = file_at(p, "/run/secrets/db_password");
  REQUIRE(password);
  CHECK(password->content == "s3cret");
  CHECK(password->uid == "1000");
  CHECK(password->gid == "nogroup");  // resolved by the runtime in the image's /etc/group
  CHECK(password->mode == 0400);
  CHECK(file_at(p, "/etc/abs/password"));  // an absolute target is honoured

  const auto* conf = file_at(p, "/app_conf");  // configs land at /<target>
  REQUIRE(conf);
  CHECK(conf->content == "a=1\n");
  CHECK(conf->what == "config `app_conf`");
  const auto* motd = file_at(p, "/etc/motd");
  REQUIRE(motd);
  CHECK(motd->content == "hello");
  CHECK(motd->uid == "daemon");
  CHECK(motd->mode == 0755);
  CHECK(p.warnings.empty());
}

TEST_CASE("plan: a directory source stays a read-only bind; a volume on the target wins", "[plan]") {
  pier::test::TempDir dir;
  std::filesystem::create_directories(dir / "certs");
  auto p = plan_of(fmt::format(R"(services:
  app:
    image: busybox
    volumes: [./data:/run/secrets/shadowed]
    secrets:
      - source: certs
        mode: 0400
      - shadowed
secrets:
  certs:
    file: {0}/certs
  shadowed:
    environment: DB_PASSWORD
)", dir.path()));
  REQUIRE(p.spec.binds.size() == 2);
  const auto& certs = p.spec.binds[1].target == "/run/secrets/certs" ? p.spec.binds[1] : p.spec.binds[0];
  CHECK(certs.target == "/run/secrets/certs");
  CHECK(certs.source == dir / "certs");
  CHECK(certs.read_only);
  CHECK(p.spec.private_files.empty());
  CHECK_THAT(warnings_of(p), Catch::Contains("secret `certs`: `file` is a directory, bound read-only: `uid`, `gid` "
                                             "and `mode` are not applied"));
  CHECK_THAT(warnings_of(p), Catch::Contains("secret `shadowed` is not mounted: `/run/secrets/shadowed` is already a "
                                             "mount point"));
}

TEST_CASE("plan: a missing source names the secret, the service and the compose lines", "[plan]") {
  CHECK(error_of(R"(services:
  app:
    image: busybox
    secrets: [gone]
secrets:
  gone:
    file: /nonexistent/pier-secret
)") == "compose.yaml:4:15: service \"app\": secret `gone`: file `/nonexistent/pier-secret` does not exist (create "
       "it or fix `file:` in the definition at compose.yaml:6:3)");
  CHECK(error_of(R"(services:
  app:
    image: busybox
    configs:
      - source: missing
        target: /etc/x
configs:
  missing:
    environment: NOT_SET_ANYWHERE
)") == "compose.yaml:5:9: service \"app\": environment variable `NOT_SET_ANYWHERE` required by config `missing` is "
       "not set (export it or set it in .env (the config is defined at compose.yaml:8:3))");
  CHECK(error_of(R"(services:
  app:
    image: busybox
    secrets: [shared]
secrets:
  shared:
    external: true
    name: prod_db_password
)") == "compose.yaml:4:15: service \"app\": secret `shared` is external (`prod_db_password`): pier has no secret "
       "store to take it from (give it `file:` or `environment:` in its definition at compose.yaml:6:3)");
  CHECK_THAT(error_of(R"(services:
  app:
    image: busybox
    secrets: [dev]
secrets:
  dev:
    file: /dev/null
)"), Catch::Contains("secret `dev`: file `/dev/null` is not a regular file"));
}

TEST_CASE("sources digest: follows content, not definitions", "[plan]") {
  pier::test::TempDir dir;
  std::ofstream(dir / "token") << "one";
  std::ofstream(dir / "app.conf") << "a=1\n";
  auto s = setup(compose_with(dir.path()));
  auto digest = [&] { return sources_digest(s->project, *s->in.service, &s->environment).value(); };
  const std::string first = digest();
  CHECK(first.rfind("sha256:", 0) == 0);
  CHECK(first.find("one") == std::string::npos);
  CHECK(digest() == first);
  std::ofstream(dir / "token") << "two";
  const std::string second = digest();
  CHECK(second != first);
  s->environment["DB_PASSWORD"] = "changed";
  CHECK(digest() != second);

  auto none = setup("services:\n  app:\n    image: busybox\n");
  CHECK(sources_digest(none->project, *none->in.service, &none->environment).value().empty());

  s->environment.erase("DB_PASSWORD");
  auto failed = sources_digest(s->project, *s->in.service, &s->environment);
  REQUIRE_FALSE(failed);
  CHECK_THAT(failed.error().to_string(),
             Catch::StartsWith("compose.yaml:6:9: service \"app\": environment variable `DB_PASSWORD` required by "
                               "secret `password` is not set"));
}

TEST_CASE("the variables secrets come from are known, to keep them off disk", "[plan]") {
  pier::test::TempDir dir;
  const std::string yaml = compose_with(dir.path()) + "  banner:\n    content: \"key=${API_KEY} ${EMPTY:-none}\"\n";
  std::ofstream(dir / "compose.yaml") << yaml;
  auto s = setup(yaml);
  compose::LoadOptions load;
  load.files = {dir / "compose.yaml"};
  CHECK(secret_source_variables(s->project, load) == std::vector<std::string>{"DB_PASSWORD", "API_KEY", "EMPTY"});
}
