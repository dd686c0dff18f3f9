#include "base/error.h"

#include <cstring>

namespace pier {

Error::Error(std::string message, int errnum) : message_(std::move(message)), errnum_(errnum) {}

Error Error::system(std::string_view operation, std::string_view path, int errnum) {
  std::string msg(operation);
  if (!path.empty()) {
    msg += " `";
    msg += path;
    msg += "`";
  }
  return Error(std::move(msg), errnum);
}

Error& Error::context(std::string frame) & {
  frames_.push_back(std::move(frame));
  return *this;
}
Error&& Error::context(std::string frame) && { return std::move(context(std::move(frame))); }

Error& Error::at(std::string location) & {
  if (location_.empty()) location_ = std::move(location);
  return *this;
}
Error&& Error::at(std::string location) && { return std::move(at(std::move(location))); }

Error& Error::hint(std::string text) & {
  if (hint_.empty()) hint_ = std::move(text);
  return *this;
}
Error&& Error::hint(std::string text) && { return std::move(hint(std::move(text))); }

std::string Error::to_string() const {
  std::string out;
  if (!location_.empty()) out += location_ + ": ";
  for (auto it = frames_.rbegin(); it != frames_.rend(); ++it) out += *it + ": ";
  out += message_;
  if (errnum_ != 0) {
    out += ": ";
    // strerror_r (GNU) may or may not use the buffer; it returns the message.
    char buf[128];
    out += strerror_r(errnum_, buf, sizeof buf);
  }
  if (!hint_.empty()) out += " (" + hint_ + ")";
  return out;
}

}  // namespace pier
