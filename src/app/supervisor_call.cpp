#include "app/supervisor_call.h"

#include <cstdio>

#include "app/supervisor_connect.h"

namespace pier::app {

Status call_supervisor(const state::ProjectPaths& paths, const supervisor::control::Request& request, bool quiet) {
  PIER_TRY(auto client, connect_or_start(paths));
  return client.call(request, [quiet](const control::ReplyLine& line) {
    if (const auto* warning = std::get_if<control::Warning>(&line)) {
      std::fprintf(stderr, "warning: %s\n", warning->message.c_str());
    } else if (const auto* progress = std::get_if<control::Progress>(&line); progress && !quiet) {
      std::fprintf(stderr, " %s  %s\n", progress->subject.c_str(), progress->status.c_str());
    }
  });
}

}  // namespace pier::app
