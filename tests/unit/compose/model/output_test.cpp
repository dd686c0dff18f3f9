#include <catch2/catch.hpp>

#include "helpers.h"

using namespace pier::compose;
using namespace pier::compose::test;

namespace {

std::string config_of(const std::string& yaml, Environment env = {}) {
  auto p = normalize(yaml, std::move(env));
  if (!p) FAIL(p.error().to_string());
  return to_yaml(to_json(*p));
}

}  // namespace

TEST_CASE("config output mirrors Docker Compose's layout", "[compose][output]") {
  std::string out = config_of(
      "services:\n  web:\n    image: nginx\n    ports: [\"8080:80\"]\n    volumes: [\"./src:/app:ro\", \"data:/data\"]\n"
      "    environment: {B: '2', A: 'yes'}\n    command: nginx -g 'daemon off;'\n"
      "    healthcheck:\n      test: curl -f localhost\n      interval: 90s\n      retries: 3\n"
      "    mem_limit: 512m\n    depends_on: [db]\n  db:\n    image: postgres\nvolumes:\n  data:\n");
  CHECK(out ==
        "name: proj\n"
        "services:\n"
        "  db:\n"
        "    image: postgres\n"
        "    networks:\n"
        "      default: null\n"
        "  web:\n"
        "    command:\n"
        "      - nginx\n"
        "      - -g\n"
        "      - daemon off;\n"
        "    depends_on:\n"
        "      db:\n"
        "        condition: service_started\n"
        "        required: true\n"
        "    environment:\n"
        "      A: \"yes\"\n"
        "      B: \"2\"\n"
        "    healthcheck:\n"
        "      test:\n"
        "        - CMD-SHELL\n"
        "        - curl -f localhost\n"
        "      interval: 1m30s\n"
        "      retries: 3\n"
        "    image: nginx\n"
        "    mem_limit: \"536870912\"\n"
        "    networks:\n"
        "      default: null\n"
        "    ports:\n"
        "      - mode: ingress\n"
        "        target: 80\n"
        "        published: \"8080\"\n"
        "        protocol: tcp\n"
        "    volumes:\n"
        "      - type: bind\n"
        "        source: /work/proj/src\n"
        "        target: /app\n"
        "        read_only: true\n"
        "        bind:\n"
        "          create_host_path: true\n"
        "      - type: volume\n"
        "        source: data\n"
        "        target: /data\n"
        "        volume: {}\n"
        "networks:\n"
        "  default:\n"
        "    name: proj_default\n"
        "volumes:\n"
        "  data:\n"
        "    name: proj_data\n");
}

TEST_CASE("disabled services are left out of the output", "[compose][output]") {
  auto p = normalize("services:\n  a:\n    image: x\n  b:\n    image: x\n    profiles: [dev]\n");
  REQUIRE(p.ok());
  p->services.at("b").disabled = true;
  Json doc = to_json(*p);
  CHECK(doc["services"].contains("a"));
  CHECK_FALSE(doc["services"].contains("b"));
}

TEST_CASE("yaml quoting only where a string would change type", "[compose][output]") {
  Json doc = Json::object();
  doc["a"] = "8080";
  doc["b"] = "true";
  doc["c"] = "null";
  doc["d"] = "hello world";
  doc["e"] = "";
  doc["f"] = "line1\nline2\n";
  doc["g"] = 1.5;
  doc["h"] = "1.5";
  doc["i"] = Json::array();
  CHECK(to_yaml(doc) ==
        "a: \"8080\"\nb: \"true\"\nc: \"null\"\nd: hello world\ne: \"\"\nf: |\n  line1\n  line2\ng: 1.5\nh: \"1.5\"\ni: []\n");
}

TEST_CASE("node_to_json keeps the document as written", "[compose][output]") {
  auto root = parse_yaml("a: 1\nb: '1'\nc: true\nd: [x, ~]\n", "f.yaml");
  REQUIRE(root.ok());
  CHECK(node_to_json(*root).dump() == R"({"a":1,"b":"1","c":true,"d":["x",null]})");
}

TEST_CASE("the config hash ignores scale and depends_on, not the image", "[compose][output]") {
  auto base = normalize("services:\n  a:\n    image: x\n  b:\n    image: x\n");
  auto scaled = normalize("services:\n  a:\n    image: x\n    scale: 3\n    depends_on: [b]\n  b:\n    image: x\n");
  auto changed = normalize("services:\n  a:\n    image: y\n  b:\n    image: x\n");
  REQUIRE((base.ok() && scaled.ok() && changed.ok()));
  std::string h = service_config_hash(*base, "a");
  CHECK(h.size() == 64);
  CHECK(h == service_config_hash(*scaled, "a"));
  CHECK(h != service_config_hash(*changed, "a"));
  CHECK(service_config_hash(*base, "nope").empty());
}

TEST_CASE("a network's hash follows its subnet and labels", "[compose][output]") {
  auto with = [](const std::string& net) {
    auto p = normalize("services:\n  a:\n    image: x\nnetworks:\n  default:\n" + net);
    REQUIRE(p.ok());
    return network_config_hash(p->networks.at("default"));
  };
  const std::string subnet = "    ipam:\n      config:\n        - subnet: 10.1.0.0/24\n";
  std::string h = with(subnet);
  CHECK(h.size() == 64);
  CHECK(h == with(subnet));
  CHECK(h != with("    ipam:\n      config:\n        - subnet: 10.2.0.0/24\n"));
  CHECK(h != with(subnet + "    labels:\n      a: b\n"));
  CHECK(h != with(subnet + "    internal: true\n"));
}

TEST_CASE("a service's volumes hash follows the definitions of its named volumes, not their labels",
          "[compose][output]") {
  auto with = [](const std::string& volume) {
    auto p = normalize("services:\n  a:\n    image: x\n    volumes: [\"v:/data\", \"./here:/here\"]\n  b:\n"
                       "    image: x\nvolumes:\n  v:\n" + volume);
    REQUIRE(p.ok());
    return std::make_pair(service_volumes_hash(*p, "a"), service_volumes_hash(*p, "b"));
  };
  auto [h, none] = with("    external: true\n    name: one\n");
  CHECK(h.size() == 64);
  CHECK(none.empty());
  CHECK(h == with("    external: true\n    name: one\n").first);
  CHECK(h != with("    external: true\n    name: two\n").first);
  CHECK(with("    labels:\n      a: b\n").first == with("    labels:\n      a: c\n").first);
  CHECK(with("    driver_opts:\n      type: tmpfs\n      device: tmpfs\n").first != with("").first);
}
