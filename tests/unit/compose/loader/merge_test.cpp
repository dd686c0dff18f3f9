#include "compose/merge.h"

#include "helpers.h"

using namespace pier::compose;
using namespace pier::compose::test;

namespace {

struct MergeCase {
  const char* rule;
  const char* base;      // a service body, in flow YAML
  const char* over;
  const char* expected;  // flow() of the merged service
};

std::string merged_service(const std::string& base, const std::string& over) {
  Node b = parse(base);
  strip_merge_tags(b);
  Node o = parse(over);
  auto status = merge_service(b, o);
  if (!status) FAIL(status.error().to_string());
  return flow(b);
}

}  // namespace

TEST_CASE("merge: one rule per row", "[loader][merge]") {
  MergeCase cases[] = {
      {"scalars override", "{image: a, user: x}", "{image: b}", "{image: b, user: x}"},
      {"mappings merge recursively", "{build: {context: ., args: {A: 1}}}",
       "{build: {dockerfile: D}}", "{build: {context: ., args: {A: 1}, dockerfile: D}}"},
      {"new keys are added", "{image: a}", "{user: u}", "{image: a, user: u}"},
      {"command overrides", "{command: [echo, foo]}", "{command: [echo, bar]}",
       "{command: [echo, bar]}"},
      {"entrypoint overrides", "{entrypoint: [a, b]}", "{entrypoint: [c]}", "{entrypoint: [c]}"},
      {"command string over list", "{command: [a]}", "{command: b}", "{command: b}"},
      {"healthcheck.test overrides, rest merges",
       "{healthcheck: {test: [CMD, a], interval: 5s}}", "{healthcheck: {test: [CMD, b]}}",
       "{healthcheck: {test: [CMD, b], interval: 5s}}"},
      {"environment map+map", "{environment: {A: 1, B: 2}}", "{environment: {B: 3, C: 4}}",
       "{environment: {A: 1, B: 3, C: 4}}"},
      {"environment list+list becomes a map", "{environment: [A=1, B=2]}",
       "{environment: [B=3, C]}", "{environment: {A: 1, B: 3, C: ~}}"},
      {"environment list+map", "{environment: [A=1]}", "{environment: {A: 2}}",
       "{environment: {A: 2}}"},
      {"environment alone keeps its form", "{image: a}", "{environment: [A=1]}",
       "{image: a, environment: [A=1]}"},
      {"labels merge as map", "{labels: [a=1]}", "{labels: {b: 2}}", "{labels: {a: 1, b: 2}}"},
      {"annotations merge as map", "{annotations: {a: 1}}", "{annotations: [a=2]}",
       "{annotations: {a: 2}}"},
      {"sysctls merge as map", "{sysctls: [net.core.somaxconn=1024]}",
       "{sysctls: {net.ipv4.tcp_syncookies: 0}}",
       "{sysctls: {net.core.somaxconn: 1024, net.ipv4.tcp_syncookies: 0}}"},
      {"extra_hosts host:ip and host=ip", "{extra_hosts: ['a:1.1.1.1', 'b=2.2.2.2']}",
       "{extra_hosts: ['a=3.3.3.3']}", "{extra_hosts: {a: 3.3.3.3, b: 2.2.2.2}}"},
      {"build.args merge as map", "{build: {args: [A=1]}}", "{build: {args: [B=2]}}",
       "{build: {args: {A: 1, B: 2}}}"},
      {"build string + mapping", "{build: ./app}", "{build: {dockerfile: D}}",
       "{build: {context: ./app, dockerfile: D}}"},
      {"ports append unique", "{ports: ['80:80', '443:443']}", "{ports: ['80:80', '8080:80']}",
       "{ports: [80:80, 443:443, 8080:80]}"},
      {"expose append unique", "{expose: [1, 2]}", "{expose: [2, 3]}", "{expose: [1, 2, 3]}"},
      {"dns scalar + list", "{dns: 8.8.8.8}", "{dns: [1.1.1.1]}", "{dns: [8.8.8.8, 1.1.1.1]}"},
      {"dns_search unique", "{dns_search: [a]}", "{dns_search: [a, b]}", "{dns_search: [a, b]}"},
      {"tmpfs unique", "{tmpfs: /run}", "{tmpfs: [/run, /tmp]}", "{tmpfs: [/run, /tmp]}"},
      {"cap_add unique", "{cap_add: [NET_ADMIN]}", "{cap_add: [NET_ADMIN, SYS_TIME]}",
       "{cap_add: [NET_ADMIN, SYS_TIME]}"},
      {"cap_drop unique", "{cap_drop: [ALL]}", "{cap_drop: [ALL]}", "{cap_drop: [ALL]}"},
      {"security_opt unique", "{security_opt: [a]}", "{security_opt: [b]}",
       "{security_opt: [a, b]}"},
      {"env_file unique, string + list", "{env_file: a.env}", "{env_file: [a.env, b.env]}",
       "{env_file: [a.env, b.env]}"},
      {"profiles unique", "{profiles: [dev]}", "{profiles: [dev, test]}",
       "{profiles: [dev, test]}"},
      {"volumes merge by target", "{volumes: ['foo:/work', 'x:/keep']}", "{volumes: ['bar:/work']}",
       "{volumes: [bar:/work, x:/keep]}"},
      {"volumes long and short share targets", "{volumes: ['./a:/data:ro']}",
       "{volumes: [{type: volume, source: v, target: /data}]}",
       "{volumes: [{type: volume, source: v, target: /data}]}"},
      {"anonymous volume by target", "{volumes: [/data]}", "{volumes: ['v:/data', /other]}",
       "{volumes: [v:/data, /other]}"},
      {"secrets by target", "{secrets: [a, {source: b, target: t}]}",
       "{secrets: [{source: c, target: t}, a]}", "{secrets: [a, {source: c, target: t}]}"},
      {"configs by target", "{configs: [a]}", "{configs: [b]}", "{configs: [a, b]}"},
      {"devices by target", "{devices: ['/dev/a:/dev/x']}", "{devices: ['/dev/b:/dev/x:r']}",
       "{devices: [/dev/b:/dev/x:r]}"},
      {"depends_on list + list", "{depends_on: [a]}", "{depends_on: [a, b]}",
       "{depends_on: [a, b]}"},
      {"depends_on list + map", "{depends_on: [a]}",
       "{depends_on: {b: {condition: service_healthy}}}",
       "{depends_on: {a: {condition: service_started}, b: {condition: service_healthy}}}"},
      {"depends_on map + map", "{depends_on: {a: {condition: service_started, restart: true}}}",
       "{depends_on: {a: {condition: service_healthy}}}",
       "{depends_on: {a: {condition: service_healthy, restart: true}}}"},
      {"networks list + list", "{networks: [a]}", "{networks: [a, b]}", "{networks: [a, b]}"},
      {"networks list + map", "{networks: [a]}", "{networks: {b: {aliases: [x]}}}",
       "{networks: {a: ~, b: {aliases: [x]}}}"},
      {"networks map + map", "{networks: {a: {aliases: [x]}}}", "{networks: {a: {ipv4_address: 1.2.3.4}}}",
       "{networks: {a: {aliases: [x], ipv4_address: 1.2.3.4}}}"},
      {"network aliases append unique", "{networks: {a: {aliases: [x, y]}}}",
       "{networks: {a: {aliases: [y, z]}}}", "{networks: {a: {aliases: [x, y, z]}}}"},
      {"logging same driver merges", "{logging: {driver: json-file, options: {max-size: 1m}}}",
       "{logging: {options: {max-file: '3'}}}",
       "{logging: {driver: json-file, options: {max-size: 1m, max-file: 3}}}"},
      {"logging other driver replaces", "{logging: {driver: json-file, options: {max-size: 1m}}}",
       "{logging: {driver: syslog}}", "{logging: {driver: syslog}}"},
      {"build.additional_contexts as map", "{build: {additional_contexts: [a=./a]}}",
       "{build: {additional_contexts: {b: ./b}}}",
       "{build: {additional_contexts: {a: ./a, b: ./b}}}"},
      {"ulimits map merge", "{ulimits: {nproc: 1, nofile: {soft: 1, hard: 2}}}",
       "{ulimits: {nofile: {hard: 4}}}", "{ulimits: {nproc: 1, nofile: {soft: 1, hard: 4}}}"},
      {"ulimits scalar over mapping", "{ulimits: {nofile: {soft: 1, hard: 2}}}",
       "{ulimits: {nofile: 5}}", "{ulimits: {nofile: 5}}"},
      {"other sequences append", "{x-list: [a]}", "{x-list: [a, b]}", "{x-list: [a, a, b]}"},
      {"null override keeps a collection", "{environment: {A: 1}}", "{environment: }",
       "{environment: {A: 1}}"},
      {"!reset removes a key", "{image: a, ports: ['80:80']}", "{ports: !reset []}", "{image: a}"},
      {"!reset removes a map entry", "{environment: {FOO: BAR, X: 1}}",
       "{environment: {FOO: !reset null}}", "{environment: {X: 1}}"},
      {"!reset inside list-form environment", "{environment: [FOO=BAR, X=1]}",
       "{environment: {FOO: !reset}}", "{environment: {X: 1}}"},
      {"!override replaces a sequence", "{ports: ['8080:80']}", "{ports: !override ['8443:443']}",
       "{ports: [8443:443]}"},
      {"!override replaces a mapping", "{environment: {A: 1}}",
       "{environment: !override {B: 2}}", "{environment: {B: 2}}"},
      {"!reset on a key the base lacks", "{image: a}", "{command: !reset}", "{image: a}"},
      {"new subtree loses its tags", "{image: a}", "{environment: {A: !reset 1, B: 2}}",
       "{image: a, environment: {B: 2}}"},
  };
  for (const auto& c : cases) {
    SECTION(c.rule) { CHECK(merged_service(c.base, c.over) == c.expected); }
  }
}

TEST_CASE("merge: documents", "[loader][merge]") {
  Node base = parse(
      "name: one\n"
      "services:\n"
      "  web: {image: a, ports: ['80:80']}\n"
      "  db: {image: pg}\n"
      "networks:\n"
      "  front: {driver: bridge, labels: [a=1]}\n"
      "volumes:\n"
      "  data: {}\n"
      "x-common: {a: 1}\n");
  strip_merge_tags(base);
  Node over = parse(
      "name: two\n"
      "services:\n"
      "  web: {image: b, ports: ['81:81']}\n"
      "  db: !reset\n"
      "  cache: {image: redis}\n"
      "networks:\n"
      "  front: {labels: {b: 2}}\n"
      "volumes:\n"
      "  data: !override {external: true}\n"
      "x-common: {b: 2}\n");
  REQUIRE(merge_documents(base, over).ok());
  CHECK(flow(base) ==
        "{name: two, services: {web: {image: b, ports: [80:80, 81:81]}, cache: {image: redis}}, "
        "networks: {front: {driver: bridge, labels: {a: 1, b: 2}}}, "
        "volumes: {data: {external: true}}, x-common: {a: 1, b: 2}}");
}

TEST_CASE("merge: strip_merge_tags drops !reset nodes and !override tags", "[loader][merge]") {
  Node n = parse("a: !reset 1\nb: !override [x, !reset y]\nc: {d: !reset}\n");
  strip_merge_tags(n);
  CHECK(flow(n) == "{b: [x], c: {}}");
}
