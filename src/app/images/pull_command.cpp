#include "app/images/pull_command.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "app/images/progress_printer.h"
#include "app/terminal.h"
#include "image/registry/pull.h"

namespace pier::app::images {

using namespace pier::image;  // the commands speak the image library's types
namespace {

struct Outcome {
  std::string reference;
  std::string shown;  // as the display names it
  std::optional<ImageRecord> pulled;
  std::optional<Error> error;
};

void pull_one(const Store& store, Outcome& outcome, PullOptions options, ProgressPrinter& printer, bool ignore) {
  auto ref = parse_reference(outcome.reference);
  if (!ref) {
    outcome.error = std::move(ref).error();
    printer.status(outcome.shown, "Error", ProgressPrinter::Outcome::failed);
    return;
  }
  std::string shown = outcome.shown;
  ProgressPrinter* p = &printer;
  options.progress = [p, shown](const LayerProgress& l) { p->layer(shown, l); };
  printer.status(shown, "Pulling");
  auto r = pull_image(store, *ref, options);
  if (!r) {
    outcome.error = std::move(r).error();
    printer.status(shown, ignore ? "Warning" : "Error",
                   ignore ? ProgressPrinter::Outcome::warning : ProgressPrinter::Outcome::failed);
    return;
  }
  outcome.pulled = std::move(*r);
  printer.status(shown, "Pulled", ProgressPrinter::Outcome::done);
}

}  // namespace

Status pull(const std::string& pier_root, const PullCommand& command, std::FILE* out) {
  PIER_TRY(Store store, Store::open(pier_root));
  PullOptions options;
  PIER_TRY(options.registries, RegistryConfig::load(pier_root));
  if (!command.platform.empty()) {
    PIER_TRY(options.platform, parse_platform(command.platform));
  }
  std::vector<Outcome> outcomes;
  std::vector<std::string> names;
  for (const auto& text : command.references) {
    auto ref = parse_reference(text);
    outcomes.push_back(Outcome{text, ref ? ref->familiar() : text, std::nullopt, std::nullopt});
    names.push_back(outcomes.back().shown);
  }
  ProgressPrinter printer(out, progress_mode() == ProgressMode::tty, command.quiet || progress_mode() == ProgressMode::quiet);
  printer.expect(names);
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < outcomes.size();)
      pull_one(store, outcomes[i], options, printer, command.ignore_failures);
  };
  std::vector<std::thread> threads;
  int n = std::max(1, std::min<int>(parallel_limit(command.parallel_images), static_cast<int>(outcomes.size())));
  for (int i = 0; i < n; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  printer.finish();
  std::optional<Error> first;
  for (auto& o : outcomes) {
    if (o.pulled) {
      // As `docker pull` ends: the digest, or with -q only the full name.
      if (command.quiet) {
        fmt::print(out, "{}\n", o.pulled->name);
      } else {
        fmt::print(out, "{}: digest {}\n", o.shown, o.pulled->repo_digest);
      }
      continue;
    }
    if (command.ignore_failures) {
      std::fprintf(stderr, "warning: pulling %s: %s\n", o.reference.c_str(), o.error->to_string().c_str());
    } else if (!first) {
      first = o.error->context("pulling " + o.reference);
    }
  }
  std::fflush(out);
  if (first) return *first;
  return {};
}

}  // namespace pier::app::images
