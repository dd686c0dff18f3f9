// `run -t`: the CLI hands the supervisor one end of a socket pair with its request (as
// runc's --console-socket), and the supervisor sends the one-off's pty master back over
// it once the container runs. The CLI then holds the only copy: the supervisor neither
// reads nor keeps the terminal, so it never competes with the user for its output.
// `attach` gets a service container's input the same way (protocol.h, AttachRequest):
// a copy of its pty master, or the write end of its stdin.
#pragma once

#include "base/result.h"
#include "base/unique_fd.h"

namespace pier::supervisor::control {

Status send_console(int socket, int master);

// Waits for the master. The supervisor closing its end without one (the start failed)
// is an error.
Result<UniqueFd> receive_console(int socket);

}  // namespace pier::supervisor::control
