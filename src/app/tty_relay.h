// A container's pty on this process's terminal, for `exec` and `run -t`: raw mode while
// it runs, the terminal's size passed on at the start and at each SIGWINCH.
#pragma once

namespace pier::app {

// Copies the pty's output to stdout and, if `forward_stdin`, stdin to the pty, until
// `until` is readable (the process exited, or the supervisor has a reply line) while the
// pty has nothing to read. The terminal is raw meanwhile and restored on return.
void relay_tty(int master, int until, bool forward_stdin = true);

// The terminal's size (stdin's, else stdout's) onto the pty `master`; nothing when
// neither is a terminal. The kernel then sends SIGWINCH to the pty's foreground group.
void pass_window_size(int master);

// What the pty still holds after its process exited, to stdout: until the last writer is
// gone (EIO) or nothing comes for `quiet_ms`.
void drain_tty(int master, int quiet_ms);

}  // namespace pier::app
