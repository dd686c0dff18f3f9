// The CLI's stdio relayed to a container process through pipes that pier owns (`exec
// -T`, `run`). The container never gets the CLI's own descriptors: whatever it leaves
// running after the command returns holds only pipe ends nobody reads or writes any
// more, never the admin's terminal.
#pragma once

#include <array>
#include <string>

#include "base/result.h"
#include "base/unique_fd.h"

namespace pier::app {

class StdioRelay {
 public:
  // `forward_stdin`: the container's stdin reads what the CLI's stdin gives, with its EOF;
  // otherwise the container's stdin is a pipe at EOF at once.
  static Result<StdioRelay> open(bool forward_stdin);

  // The container's stdin, stdout and stderr, to hand to the new process.
  std::array<int, 3> container_ends() const;
  // After the process has its copies: ours must go, or its stdin would never see EOF.
  void close_container_ends();

  // Copies in both directions until `wake_fd` is readable (the process's pidfd, the
  // supervisor's socket). A signal interrupts it: an error with errnum() EINTR.
  Status pump_until(int wake_fd);
  // After the process exited: copies out what it wrote (it is all in the pipes by now)
  // without waiting for EOF, which a process left behind could hold off for ever; then
  // closes every pipe.
  void finish();

 private:
  StdioRelay() = default;
  bool pump_once(int wake_fd, int timeout_ms);
  void copy_out(int index);
  void copy_in();

  // [0] stdin: we write, the container reads; [1], [2]: the container writes, we read.
  std::array<UniqueFd, 3> ours_, theirs_;
  std::string pending_in_;  // read from our stdin, not yet taken by the pipe
  bool stdin_open_ = false;
};

}  // namespace pier::app
