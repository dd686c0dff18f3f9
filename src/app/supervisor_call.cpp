#include "app/supervisor_call.h"

#include <cerrno>
#include <cstdio>

#include "app/supervisor_connect.h"

namespace pier::app {

namespace {

// Sends of one request to supervisors that turned out to be exiting.
constexpr int kExitingRetries = 5;

}  // namespace

Status call_supervisor(const state::ProjectPaths& paths, const supervisor::control::Request& request, bool quiet) {
  auto print = [quiet](const control::ReplyLine& line) {
    if (const auto* warning = std::get_if<control::Warning>(&line)) {
      std::fprintf(stderr, "warning: %s\n", warning->message.c_str());
    } else if (const auto* progress = std::get_if<control::Progress>(&line); progress && !quiet) {
      std::fprintf(stderr, " %s  %s\n", progress->subject.c_str(), progress->status.c_str());
    }
  };
  // A supervisor that was exiting (idle) did not take the request, so it is safe to send
  // again; connect_or_start starts a new one. Bounded: other CLIs can make each new one
  // idle again just as this one connects (each time, another request was served).
  Status st;
  for (int attempt = 0; attempt < kExitingRetries; ++attempt) {
    PIER_TRY(auto client, connect_or_start(paths));
    st = client.call(request, print);
    if (st || st.error().errnum() != ESHUTDOWN) return st;
  }
  return st;
}

}  // namespace pier::app
