#include "app/progress_view.h"

#include <mutex>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/images/progress_printer.h"

namespace pier::app {
namespace {

constexpr const char* kDryRunPrefix = "DRY-RUN MODE - ";

class PlainView final : public ProgressView {
 public:
  PlainView(FILE* out, bool dry_run) : ProgressView(out), dry_run_(dry_run) {}
  void event(const std::string& id, const std::string& text) override {
    std::fprintf(out_, "%s %s %s \n", dry_run_ ? kDryRunPrefix : "", id.c_str(), text.c_str());
    std::fflush(out_);
  }

 private:
  bool dry_run_;
};

class JsonView final : public ProgressView {
 public:
  JsonView(FILE* out, bool dry_run) : ProgressView(out), dry_run_(dry_run) {}
  void event(const std::string& id, const std::string& text) override { print(false, id, text); }
  void warning(const std::string& message) override { print(true, "", "warning: " + message); }

 private:
  // Compose's field order, empty fields left out.
  void print(bool tail, const std::string& id, const std::string& text) {
    nlohmann::ordered_json line;
    if (dry_run_) line["dry-run"] = true;
    if (tail) line["tail"] = true;
    if (!id.empty()) line["id"] = id;
    if (!text.empty()) line["text"] = text;
    std::fprintf(out_, "%s\n", line.dump().c_str());
    std::fflush(out_);
  }
  bool dry_run_;
};

class QuietView final : public ProgressView {
 public:
  explicit QuietView(FILE* out) : ProgressView(out) {}
  void event(const std::string&, const std::string&) override {}
};

// The live block `pier pull` draws too (images/progress_printer.h), one row per object.
class TtyView final : public ProgressView {
 public:
  TtyView(FILE* out, bool dry_run)
      : ProgressView(out), printer_(out, /*live=*/true, /*quiet=*/false, dry_run ? "DRY-RUN MODE - Running" : "Running") {}
  ~TtyView() override { finish(); }

  void event(const std::string& id, const std::string& text) override {
    using Outcome = images::ProgressPrinter::Outcome;
    EventStatus status = status_of(text);
    printer_.status(id, text,
                    status == EventStatus::done    ? Outcome::done
                    : status == EventStatus::error ? Outcome::failed
                                                   : Outcome::working);
  }

  // Below the block once it is final: a line printed now would be overwritten.
  void warning(const std::string& message) override {
    std::lock_guard lock(mutex_);
    warnings_.push_back(message);
  }

  void finish() override {
    printer_.finish();
    std::lock_guard lock(mutex_);
    for (const auto& w : warnings_) std::fprintf(stderr, "warning: %s\n", w.c_str());
    warnings_.clear();
  }

 private:
  images::ProgressPrinter printer_;
  std::mutex mutex_;
  std::vector<std::string> warnings_;
};

}  // namespace

EventStatus status_of(const std::string& text) {
  if (text == "Error" || text.starts_with("Error")) return EventStatus::error;
  std::string first = text.substr(0, text.find(' '));
  // "Recreate" is Compose's one working status without -ing ("Recreated" follows).
  if (first.ends_with("ing") || first == "Recreate") return EventStatus::working;
  return EventStatus::done;
}

void ProgressView::warning(const std::string& message) {
  std::fprintf(stderr, "warning: %s\n", message.c_str());
}

std::unique_ptr<ProgressView> ProgressView::make(ProgressMode mode, FILE* out, bool dry_run) {
  switch (mode) {
    case ProgressMode::tty: return std::make_unique<TtyView>(out, dry_run);
    case ProgressMode::json: return std::make_unique<JsonView>(out, dry_run);
    case ProgressMode::quiet: return std::make_unique<QuietView>(out);
    case ProgressMode::automatic:
    case ProgressMode::plain: break;
  }
  return std::make_unique<PlainView>(out, dry_run);
}

std::unique_ptr<ProgressView> ProgressView::make() {
  FILE* out = status_stream();
  return make(progress_mode(), out, terminal().dry_run);
}

}  // namespace pier::app
