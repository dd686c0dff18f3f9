#include "image/commands/pull_command.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "image/commands/progress_printer.h"
#include "image/registry/pull.h"

namespace pier::image::commands {
namespace {

struct Outcome {
  std::string reference;
  std::optional<Error> error;
};

Outcome pull_one(const Store& store, const std::string& text, PullOptions options, ProgressPrinter* printer) {
  Outcome outcome{text, std::nullopt};
  auto ref = parse_reference(text);
  if (!ref) {
    outcome.error = std::move(ref).error();
    return outcome;
  }
  std::string shown = ref->familiar();
  if (printer) options.progress = [printer, shown](const LayerProgress& p) { printer->update(shown, p); };
  if (printer) printer->line(fmt::format("{}: Pulling", shown));
  auto r = pull_image(store, *ref, options);
  if (!r) {
    outcome.error = std::move(r).error();
  } else if (printer) {
    printer->line(fmt::format("{}: Pulled ({})", shown, r->repo_digest));
  }
  return outcome;
}

}  // namespace

Status pull(const std::string& pier_root, const PullCommand& command, std::FILE* out) {
  PIER_TRY(Store store, Store::open(pier_root));
  PullOptions options;
  PIER_TRY(options.registries, RegistryConfig::load(pier_root));
  if (!command.platform.empty()) {
    PIER_TRY(options.platform, parse_platform(command.platform));
  }
  ProgressPrinter printer(out, ::isatty(::fileno(out)) == 1);
  ProgressPrinter* shown = command.quiet ? nullptr : &printer;
  std::vector<Outcome> outcomes(command.references.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < command.references.size();)
      outcomes[i] = pull_one(store, command.references[i], options, shown);
  };
  std::vector<std::thread> threads;
  int n = std::max(1, std::min<int>(command.parallel_images, static_cast<int>(command.references.size())));
  for (int i = 0; i < n; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  std::optional<Error> first;
  for (auto& o : outcomes) {
    if (!o.error) continue;
    if (command.ignore_failures) {
      std::fprintf(stderr, "warning: pulling %s: %s\n", o.reference.c_str(), o.error->to_string().c_str());
    } else if (!first) {
      first = o.error->context("pulling " + o.reference);
    }
  }
  if (first) return *first;
  return {};
}

}  // namespace pier::image::commands
