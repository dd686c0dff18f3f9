#include "app/images/service_pull.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "app/images/progress_printer.h"
#include "app/terminal.h"
#include "image/registry/pull.h"

namespace pier::app::images {

using namespace pier::image;  // the commands speak the image library's types
namespace {

struct Shared {
  const Store& store;
  const PullOptions& pull;
  const ServicePullOptions& options;
  ProgressPrinter& lines;
};

bool present(const Store& store, const Reference& ref) {
  auto record = store.find(ref.str());
  return record && store.is_complete(*record);
}

// The error of one service, or nothing (pulled or skipped).
std::optional<Error> pull_one(const Shared& s, const ServiceImage& image) {
  if (auto why = skip_reason(&s.store, image, s.options)) {
    s.lines.status(image.service, *why, ProgressPrinter::Outcome::done);
    return std::nullopt;
  }
  auto ref = parse_reference(image.reference);
  if (!ref) return std::move(ref).error().context("service \"" + image.service + "\": image `" + image.reference + "`");
  s.lines.status(image.service, "Pulling");
  PullOptions pull = s.pull;
  ProgressPrinter* lines = &s.lines;
  std::string service = image.service;
  pull.progress = [lines, service](const LayerProgress& p) { lines->layer(service, p); };
  auto pulled = pull_image(s.store, *ref, pull);
  if (pulled) {
    s.lines.status(image.service, "Pulled", ProgressPrinter::Outcome::done);
    return std::nullopt;
  }
  bool tolerated = s.options.ignore_failures || image.can_be_built;
  s.lines.status(image.service, tolerated ? "Warning" : "Error",
                 tolerated ? ProgressPrinter::Outcome::warning : ProgressPrinter::Outcome::failed);
  return std::move(pulled).error().context(fmt::format("service \"{}\": pulling {}", image.service, ref->familiar()));
}

}  // namespace

std::optional<std::string> skip_reason(const Store* store, const ServiceImage& image,
                                       const ServicePullOptions& options) {
  if (image.reference.empty()) return "Skipped - No image to be pulled";
  auto ref = parse_reference(image.reference);
  if (!ref) return std::nullopt;  // the pull reports it
  if (store && options.missing_only && present(*store, *ref)) return "Skipped - Image is already present locally";
  if (options.ignore_buildable && image.can_be_built) return "Skipped - Image can be built";
  return std::nullopt;
}

Status pull_services(const std::string& pier_root, const std::vector<ServiceImage>& images,
                     const ServicePullOptions& options, std::FILE* out) {
  PIER_TRY(Store store, Store::open(pier_root));
  PullOptions pull;
  PIER_TRY(pull.registries, RegistryConfig::load(pier_root));
  ProgressPrinter lines(out, progress_mode() == ProgressMode::tty, options.quiet || progress_mode() == ProgressMode::quiet);
  std::vector<std::string> names;
  for (const auto& i : images) names.push_back(i.service);
  lines.expect(names);
  Shared shared{store, pull, options, lines};
  std::vector<std::optional<Error>> errors(images.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < images.size();) errors[i] = pull_one(shared, images[i]);
  };
  std::vector<std::thread> threads;
  int n = std::max(1, std::min<int>(parallel_limit(options.parallel_images), static_cast<int>(images.size())));
  for (int i = 0; i < n; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  lines.finish();
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

}  // namespace pier::app::images
