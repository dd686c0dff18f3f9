// The one error type of pier: what failed, on which path, why, and where in a
// compose file. Context frames are added on the way up ("loading compose.yaml").
#pragma once

#include <string>
#include <vector>

namespace pier {

class Error {
 public:
  Error() = default;
  explicit Error(std::string message, int errnum = 0);

  // `operation` `path`: strerror(errnum), e.g. "open `/etc/x`: No such file or directory".
  static Error system(std::string_view operation, std::string_view path, int errnum);

  // Adds an outer frame: "service \"db\"" then prints "service \"db\": <message>".
  Error& context(std::string frame) &;
  Error&& context(std::string frame) &&;
  // Where in a compose file the problem is ("compose.yaml:14:7").
  Error& at(std::string location) &;
  Error&& at(std::string location) &&;
  // How to fix it; printed after the message.
  Error& hint(std::string text) &;
  Error&& hint(std::string text) &&;

  const std::string& message() const { return message_; }
  const std::string& location() const { return location_; }
  const std::string& fix() const { return hint_; }
  const std::vector<std::string>& frames() const { return frames_; }
  int errnum() const { return errnum_; }

  // "compose.yaml:14:7: service \"db\": <message>: <strerror> (<hint>)"
  std::string to_string() const;

 private:
  std::string message_;
  std::string location_;
  std::string hint_;
  std::vector<std::string> frames_;  // innermost first
  int errnum_ = 0;
};

}  // namespace pier
