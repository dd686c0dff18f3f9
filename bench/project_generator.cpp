#include "bench/project_generator.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace pier::bench {
namespace {

constexpr int kDatabases = 10;
constexpr int kChain = 10;     // services form depends_on chains of this length
constexpr int kVolumes = 20;   // named volumes shared round-robin
constexpr int kNetworks = 25;  // per-group networks besides front and back

// Settings shared through anchors and `<<` merge keys, as real files do.
constexpr const char* kHeader = R"(name: bench
x-logging: &logging
  driver: json-file
  options:
    max-size: 10m
    max-file: "3"
x-common: &common
  restart: unless-stopped
  logging: *logging
  init: true
  stop_grace_period: 20s
x-labels: &labels
  com.example.team: platform
  com.example.cost-centre: "4711"
x-env: &env
  TZ: UTC
  LOG_LEVEL: ${LOG_LEVEL:-info}
  OTEL_EXPORTER_OTLP_ENDPOINT: http://collector:4317
x-healthcheck: &healthcheck
  interval: 10s
  timeout: 3s
  retries: 5
  start_period: 15s

services:
)";

std::string name_of(int i) {
  return i < kDatabases ? fmt::format("db-{}", i) : fmt::format("svc-{:03}", i);
}

void append_database(std::string& y, int i) {
  y += fmt::format(R"(  {0}:
    <<: *common
    image: postgres:16-bookworm
    environment:
      <<: *env
      POSTGRES_DB: app{1}
      POSTGRES_USER: app
      POSTGRES_PASSWORD_FILE: /run/secrets/db_password
    volumes:
      - db-{1}:/var/lib/postgresql/data
      - type: tmpfs
        target: /var/run/postgresql
        tmpfs:
          size: 64m
    secrets:
      - db_password
    healthcheck:
      <<: *healthcheck
      test: ["CMD-SHELL", "pg_isready -U app -d app{1}"]
    networks:
      - back
    labels:
      <<: *labels
      com.example.role: database
    shm_size: 256m
)",
                   name_of(i), i);
}

void append_service(std::string& y, int i) {
  const std::string name = name_of(i);
  y += fmt::format("  {}:\n    <<: *common\n", name);
  if (i % 5 == 0) {
    y += fmt::format(R"(    build:
      context: ./services/{0}
      dockerfile: Dockerfile
      args:
        VERSION: ${{TAG:-1.0}}
        SERVICE: {0}
      labels:
        <<: *labels
    image: registry.example.com/platform/{0}:${{TAG:-1.0}}
)",
                     name);
  } else {
    y += fmt::format("    image: registry.example.com/platform/{}:${{TAG:-1.0}}\n", name);
  }
  y += fmt::format(R"(    command: ["serve", "--port", "8080", "--name", "{0}"]
    ports:
      - "127.0.0.1:{1}:8080"
      - target: 9090
        published: "{2}"
        protocol: tcp
        mode: host
    expose:
      - "9100"
    environment:
      <<: *env
      SERVICE_NAME: {0}
      DATABASE_URL: postgres://app@db-{3}:5432/app{3}
      REPLICA_INDEX: "{4}"
      FEATURE_FLAGS: ${{FEATURE_FLAGS:-}}
    volumes:
      - data-{5}:/var/lib/app
      - ./config/{0}.yaml:/etc/app/config.yaml:ro
      - type: bind
        source: ./shared
        target: /srv/shared
        read_only: true
)",
                   name, 20000 + i, 30000 + i, i % kDatabases, i % 7, i % kVolumes);
  if (i % 3 == 0) y += "    env_file:\n      - ./common.env\n";
  y += "    depends_on:\n";
  y += fmt::format("      db-{}:\n        condition: service_healthy\n", i % kDatabases);
  if (i % kChain != 0 && i - 1 >= kDatabases)
    y += fmt::format("      {}:\n        condition: service_started\n        restart: true\n",
                     name_of(i - 1));
  y += fmt::format(R"(    healthcheck:
      <<: *healthcheck
      test: ["CMD", "wget", "-qO-", "http://localhost:8080/health"]
    networks:
      front:
        aliases:
          - {0}.internal
      back:
      net-{1}:
    labels:
      <<: *labels
      com.example.service: {0}
      com.example.group: "{1}"
)",
                   name, i % kNetworks);
  if (i % 4 == 0)
    y += R"(    deploy:
      resources:
        limits:
          cpus: "0.50"
          memory: 256M
        reservations:
          memory: 64M
    ulimits:
      nofile:
        soft: 65536
        hard: 65536
)";
}

void append_resources(std::string& y) {
  y += "\nnetworks:\n  front:\n  back:\n    internal: true\n";
  for (int n = 0; n < kNetworks; ++n)
    y += fmt::format("  net-{}:\n    labels:\n      com.example.group: \"{}\"\n", n, n);
  y += "\nvolumes:\n";
  for (int v = 0; v < kVolumes; ++v) y += fmt::format("  data-{}:\n", v);
  for (int d = 0; d < kDatabases; ++d) y += fmt::format("  db-{}:\n    labels: *labels\n", d);
  y += "\nsecrets:\n  db_password:\n    file: ./secrets/db_password.txt\n";
}

}  // namespace

GeneratedProject generate_project(int services) {
  if (services < kDatabases) services = kDatabases;
  GeneratedProject p;
  std::string& y = p.compose_yaml;
  y.reserve(static_cast<size_t>(services) * 1500);
  y += kHeader;
  for (int i = 0; i < services; ++i) {
    if (i < kDatabases)
      append_database(y, i);
    else
      append_service(y, i);
  }
  append_resources(y);

  p.files.emplace_back("common.env", "CACHE_TTL=60\nREGION=eu-west\n");
  p.files.emplace_back("secrets/db_password.txt", "not-a-real-password\n");
  p.files.emplace_back("shared/README", "shared read-only data\n");
  for (int i = kDatabases; i < services; ++i) {
    p.files.emplace_back(fmt::format("config/{}.yaml", name_of(i)), "listen: 8080\n");
    if (i % 5 == 0)
      p.files.emplace_back(fmt::format("services/{}/Dockerfile", name_of(i)),
                           "FROM busybox\nCMD [\"serve\"]\n");
  }
  return p;
}

bool write_project(const GeneratedProject& project, const std::string& dir, std::string& error) {
  namespace fs = std::filesystem;
  auto write = [&](const std::string& rel, const std::string& content) {
    fs::path path = fs::path(dir) / rel;
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    std::ofstream out(path, std::ios::binary);
    out << content;
    if (!out.flush()) {
      error = "write `" + path.string() + "` failed";
      return false;
    }
    return true;
  };
  if (!write("compose.yaml", project.compose_yaml)) return false;
  for (const auto& [rel, content] : project.files)
    if (!write(rel, content)) return false;
  return true;
}

}  // namespace pier::bench
