#include "image/commands/service_pull.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "image/registry/pull.h"

namespace pier::image::commands {
namespace {

// One line per service state change; a terminal gets Docker's ✔/✘ marks on the
// final states.
class StatusLines {
 public:
  StatusLines(std::FILE* out, bool quiet) : out_(out), quiet_(quiet), tty_(::isatty(::fileno(out)) == 1) {}
  void working(const std::string& service, const std::string& text) { print("", service, text); }
  void done(const std::string& service, const std::string& text) { print(tty_ ? "✔ " : "", service, text); }
  void failed(const std::string& service, const std::string& text) { print(tty_ ? "✘ " : "", service, text); }

 private:
  void print(const char* mark, const std::string& service, const std::string& text) {
    if (quiet_) return;
    std::lock_guard lock(mutex_);
    std::fprintf(out_, " %s%s %s\n", mark, service.c_str(), text.c_str());
    std::fflush(out_);
  }
  std::FILE* out_;
  bool quiet_, tty_;
  std::mutex mutex_;
};

struct Shared {
  const Store& store;
  const PullOptions& pull;
  const ServicePullOptions& options;
  StatusLines& lines;
};

bool present(const Store& store, const Reference& ref) {
  auto record = store.find(ref.str());
  return record && store.is_complete(*record);
}

// The error of one service, or nothing (pulled or skipped).
std::optional<Error> pull_one(const Shared& s, const ServiceImage& image) {
  if (image.reference.empty()) {
    s.lines.done(image.service, "Skipped - No image to be pulled");
    return std::nullopt;
  }
  auto ref = parse_reference(image.reference);
  if (!ref) return std::move(ref).error().context("service \"" + image.service + "\": image `" + image.reference + "`");
  if (s.options.missing_only && present(s.store, *ref)) {
    s.lines.done(image.service, "Skipped - Image is already present locally");
    return std::nullopt;
  }
  s.lines.working(image.service, "Pulling");
  auto pulled = pull_image(s.store, *ref, s.pull);
  if (pulled) {
    s.lines.done(image.service, "Pulled");
    return std::nullopt;
  }
  s.lines.failed(image.service, "Error");
  return std::move(pulled).error().context(fmt::format("service \"{}\": pulling {}", image.service, ref->familiar()));
}

}  // namespace

Status pull_services(const std::string& pier_root, const std::vector<ServiceImage>& images,
                     const ServicePullOptions& options, std::FILE* out) {
  PIER_TRY(Store store, Store::open(pier_root));
  PullOptions pull;
  PIER_TRY(pull.registries, RegistryConfig::load(pier_root));
  StatusLines lines(out, options.quiet);
  Shared shared{store, pull, options, lines};
  std::vector<std::optional<Error>> errors(images.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < images.size();) errors[i] = pull_one(shared, images[i]);
  };
  std::vector<std::thread> threads;
  int n = std::max(1, std::min<int>(options.parallel_images, static_cast<int>(images.size())));
  for (int i = 0; i < n; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  std::optional<Error> first;
  for (size_t i = 0; i < images.size(); ++i) {
    if (!errors[i]) continue;
    if (options.ignore_failures || images[i].can_be_built) {
      std::fprintf(stderr, "warning: %s\n", errors[i]->to_string().c_str());
    } else if (!first) {
      first = std::move(errors[i]);
    }
  }
  if (first) return *first;
  return {};
}

}  // namespace pier::image::commands
