// The key sequence that leaves `attach` with the container running (`--detach-keys`),
// as Docker reads it: comma-separated keys, each one character or `ctrl-X` for X in
// a-z, @, [, \, ], ^ or _; Docker's default is ctrl-p,ctrl-q.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace pier::app {

class DetachKeys {
 public:
  // An unknown key is an error naming it, as Docker refuses the attach.
  static Result<DetachKeys> parse(std::string_view text);

  // Passes `input` on to `out` but for the keys of the sequence, which are held back
  // while they match it: true once the whole sequence is typed (what came after it is
  // dropped). A key that breaks a partial match lets the held keys through, in order.
  // Matches byte by byte, so a sequence split over reads or sent in one write counts.
  bool feed(std::string_view input, std::string& out);

 private:
  std::string keys_;
  size_t matched_ = 0;
};

}  // namespace pier::app
