// What every pier process does first, the CLI's and pier-supervisor's alike.
#pragma once

namespace pier::cli {

// Sets the umask and, for a user's pier, moves into its user namespace. False (the
// error printed) when the namespace cannot be entered: the process must exit.
bool start_pier_process();

}  // namespace pier::cli
