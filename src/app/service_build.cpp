#include "app/service_build.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "app/terminal.h"
#include "builder/builder.h"
#include "graph/from_project.h"
#include "image/oci.h"
#include "image/store/store.h"
#include "runtime/security/sealed_exe.h"

namespace pier::app {
namespace {

std::string where_of(const compose::Service& service, const std::string& key) {
  auto it = service.key_marks.find("build");
  std::string mark = it != service.key_marks.end() && it->second.known() ? it->second.to_string() + ": " : "";
  return mark + "service " + service.name + ": build." + key;
}

// Entitlements pier knows: network.host. security.insecure would need privileged
// build steps, which pier does not run.
Result<bool> network_host_allowed(const compose::Service& service, const ServiceBuildOptions& options) {
  bool allowed = service.build->network == "host";  // the compose file asks for it itself
  for (const auto& e : service.build->entitlements) {
    if (e != "network.host")
      return Error(where_of(service, "entitlements") + " `" + e + "`: not supported")
          .hint("pier knows only `network.host`");
    allowed = true;
  }
  for (const auto& e : options.allow) {
    if (e != "network.host")
      return Error("--allow `" + e + "`: not a supported entitlement").hint("pier knows only `network.host`");
    allowed = true;
  }
  return allowed;
}

Result<builder::BuildRequest> request_for(const compose::Project& project, const compose::Service& service,
                                        const ServiceBuildOptions& options) {
  const compose::BuildConfig& b = *service.build;
  if (!b.secrets.empty())
    return Error(where_of(service, "secrets") + " is not supported yet").hint("remove it, or pass the value as a build arg");
  if (!b.ssh.empty())
    return Error(where_of(service, "ssh") + " is not supported yet").hint("remove it; pier's builds cannot forward an SSH agent");
  if (!b.additional_contexts.empty())
    return Error(where_of(service, "additional_contexts") + " is not supported yet");
  if (b.context.find("://") != std::string::npos || b.context.starts_with("git@"))
    return Error(where_of(service, "context") + ": remote contexts (`" + b.context + "`) are not supported yet")
        .hint("clone it and point `context` at the directory");
  for (const auto& c : b.cache_from)
    if (!c.starts_with("type=local") && c.find("type=") != std::string::npos)
      return Error(where_of(service, "cache_from") + " `" + c + "`: only pier's local layer cache is supported")
          .hint("remove it; pier always uses its own cache under --root");
  for (const auto& c : b.cache_to)
    if (!c.starts_with("type=local") && c.find("type=") != std::string::npos)
      return Error(where_of(service, "cache_to") + " `" + c + "`: only pier's local layer cache is supported")
          .hint("remove it; pier always uses its own cache under --root");
  for (const auto& text : b.platforms) {
    auto platform = image::parse_platform(text);
    if (!platform || platform->architecture != image::host_platform().architecture)
      return Error(where_of(service, "platforms") + " `" + text + "`: pier builds for the host platform (" +
                   image::host_platform().str() + ") only")
          .hint("remove the other platforms");
  }
  if (b.privileged.value_or(false))
    return Error(where_of(service, "privileged") + " is not supported yet").hint("remove it");
  builder::BuildRequest r;
  r.context_dir = b.context;
  if (!b.dockerfile_inline.empty()) r.dockerfile_inline = b.dockerfile_inline;
  else r.dockerfile = b.dockerfile.starts_with("/") ? b.dockerfile : b.context + "/" + b.dockerfile;
  r.args = b.args;
  for (const auto& [k, v] : options.build_args) r.args[k] = v;
  r.target = b.target;
  r.labels = b.labels;
  r.tags.push_back(service.image_or_default(project.name));
  for (const auto& t : b.tags) r.tags.push_back(t);
  r.network = b.network;
  PIER_TRY(r.allow_network_host, network_host_allowed(service, options));
  for (const auto& h : b.extra_hosts) r.extra_hosts.emplace_back(h.host, h.ip);
  if (b.shm_size) r.shm_size = static_cast<uint64_t>(*b.shm_size);
  r.no_cache = options.no_cache || b.no_cache.value_or(false);
  r.pull = options.pull || b.pull.value_or(false);
  r.name = service.name;
  return r;
}

// Lines as `docker compose build` prints them; a step's line waits for its outcome
// (CACHED, its time, or its first output line).
class Printer {
 public:
  Printer(std::FILE* out, bool quiet) : out_(out), quiet_(quiet) {}
  builder::BuildProgress for_service() {
    auto pending = std::make_shared<std::string>();
    return [this, pending](const builder::BuildEvent& e) {
      if (quiet_ && e.kind != builder::BuildEvent::Kind::warning) return;
      std::lock_guard lock(mu_);
      using K = builder::BuildEvent::Kind;
      switch (e.kind) {
        case K::step: *pending = e.text; break;
        case K::cached: print(" => CACHED " + *pending); pending->clear(); break;
        case K::output:
          if (!pending->empty()) print(" => " + *pending);
          pending->clear();
          print(" => => # " + e.text);
          break;
        case K::done:
          if (!pending->empty()) print(fmt::format(" => {}  {:.1f}s", *pending, e.seconds));
          else print(fmt::format(" => {} DONE {:.1f}s", e.text, e.seconds));
          pending->clear();
          break;
        case K::warning: print(" => WARNING: " + e.text); break;
      }
    };
  }
  void line(const std::string& text) {
    if (quiet_) return;
    std::lock_guard lock(mu_);
    print(text);
  }

 private:
  void print(const std::string& s) {
    std::fprintf(out_, "%s\n", s.c_str());
    std::fflush(out_);
  }
  std::FILE* out_;
  bool quiet_;
  std::mutex mu_;
};

}  // namespace

Status build_services(const std::string& pier_root, const compose::Project& project,
                      const std::vector<std::string>& services, const ServiceBuildOptions& options, std::FILE* out) {
  if (services.empty()) return {};
  PIER_TRY(auto store, image::Store::open(pier_root));
  std::vector<builder::BuildRequest> requests;
  for (const auto& name : services) {
    const auto* service = project.find_service(name);
    if (!service) return Error("no such service: " + name);
    if (!service->build) return Error("service " + name + " has no `build:` section");
    PIER_TRY(auto r, request_for(project, *service, options));
    requests.push_back(std::move(r));
  }
  Printer printer(out, options.quiet);
  auto started = std::chrono::steady_clock::now();
  std::vector<std::optional<Error>> errors(requests.size());
  // Every service at once, as Compose builds, unless --parallel caps it.
  size_t workers = std::min(requests.size(), static_cast<size_t>(parallel_limit(static_cast<int>(requests.size()))));
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  for (size_t w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      for (size_t i = next++; i < requests.size(); i = next++) {
        auto progress = printer.for_service();
        auto result = builder::build_image(store, pier_root, requests[i], progress);
        if (!result) {
          errors[i] = std::move(result).error().context("service " + requests[i].name);
          continue;
        }
        printer.line(fmt::format(" => [{}] naming to {} ({} of {} layer steps cached)", requests[i].name,
                                 result->record.name, result->cached, result->steps));
      }
    });
  }
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  for (auto& e : errors)
    if (e) return std::move(*e);
  printer.line(fmt::format("[+] Building {:.1f}s ({}/{}) FINISHED", secs, requests.size(), requests.size()));
  return {};
}

std::vector<std::string> services_to_build_for_up(const std::string& pier_root, const compose::Project& project,
                                                  const std::vector<std::string>& services, bool no_deps, bool build,
                                                  bool no_build) {
  if (no_build) return {};
  std::set<std::string> chosen;
  std::vector<std::string> wanted = services;
  if (wanted.empty())
    for (const auto& [name, service] : project.services)
      if (!service.disabled) wanted.push_back(name);
  chosen.insert(wanted.begin(), wanted.end());
  if (!no_deps) {
    auto deps = graph::from_project(project);
    if (deps) chosen = deps->with_dependencies(wanted);
  }
  auto store = image::Store::open(pier_root);
  std::vector<std::string> out;
  for (const auto& name : chosen) {
    const auto* service = project.find_service(name);
    if (!service || !service->build) continue;
    bool missing = !store || !store->find(service->image_or_default(project.name));
    if (build || service->pull_policy == "build" || missing) out.push_back(name);
  }
  return out;
}

Status build_before_start(const std::string& pier_root, const compose::Project& project,
                          const std::vector<std::string>& services, bool no_deps, bool build, bool no_build) {
  auto to_build = services_to_build_for_up(pier_root, project, services, no_deps, build, no_build);
  if (to_build.empty()) return {};
  PIER_CHECK(runtime::reexec_sealed());
  return build_services(pier_root, project, to_build, {}, stderr);
}

}  // namespace pier::app
