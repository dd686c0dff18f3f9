#include "app/supervisor_call.h"

#include <cerrno>

#include "app/dry_run/simulate.h"
#include "app/progress_view.h"
#include "app/supervisor_connect.h"

namespace pier::app {
namespace {

// Sends of one request to supervisors that turned out to be exiting.
constexpr int kExitingRetries = 5;

}  // namespace

Status call_supervisor(const state::ProjectPaths& paths, const supervisor::control::Request& request,
                       std::optional<ProgressMode> mode) {
  FILE* out = status_stream();
  auto view = mode ? ProgressView::make(*mode, out, terminal().dry_run) : ProgressView::make();
  auto print = [&view](const control::ReplyLine& line) {
    if (const auto* warning = std::get_if<control::Warning>(&line)) view->warning(warning->message);
    else if (const auto* progress = std::get_if<control::Progress>(&line)) view->event(progress->subject, progress->status);
  };
  if (terminal().dry_run) {
    Status st = dry_run::simulate(paths, request, *view);
    view->finish();
    return st;
  }
  // A supervisor that was exiting (idle) did not take the request, so it is safe to send
  // again; connect_or_start starts a new one. Bounded: other CLIs can make each new one
  // idle again just as this one connects (each time, another request was served).
  Status st;
  for (int attempt = 0; attempt < kExitingRetries; ++attempt) {
    auto client = connect_or_start(paths);
    if (!client) {
      st = std::move(client).error();
      break;
    }
    st = client->call(request, print);
    if (st || st.error().errnum() != ESHUTDOWN) break;
  }
  view->finish();
  return st;
}

}  // namespace pier::app
