// Result<T>: a value or an Error. C++20 has no std::expected; this is the small
// subset pier uses, with PIER_TRY to propagate errors without exceptions.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

#include "base/error.h"

namespace pier {

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  Error& error() & { assert(!ok()); return std::get<1>(v_); }
  const Error& error() const& { assert(!ok()); return std::get<1>(v_); }
  Error&& error() && { assert(!ok()); return std::get<1>(std::move(v_)); }

  // Adds an outer frame to a failed Result on its way up:
  // `PIER_TRY(auto x, read(path).context("image " + name))`.
  Result context(std::string frame) && {
    if (!ok()) error().context(std::move(frame));
    return std::move(*this);
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  Error& error() & { assert(!ok_); return error_; }
  const Error& error() const& { assert(!ok_); return error_; }
  Error&& error() && { assert(!ok_); return std::move(error_); }

  // Adds an outer frame to a failed Status on its way up (see Result<T>::context).
  Result context(std::string frame) && {
    if (!ok_) error_.context(std::move(frame));
    return std::move(*this);
  }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace pier

#define PIER_CONCAT_INNER(a, b) a##b
#define PIER_CONCAT(a, b) PIER_CONCAT_INNER(a, b)

// PIER_TRY(auto x, expr): evaluates expr (a Result); returns its error from the
// enclosing function, otherwise binds the value. PIER_CHECK(expr) for Result<void>.
#define PIER_TRY(decl, expr)                                      \
  auto PIER_CONCAT(pier_try_, __LINE__) = (expr);                 \
  if (!PIER_CONCAT(pier_try_, __LINE__).ok())                     \
    return std::move(PIER_CONCAT(pier_try_, __LINE__)).error();   \
  decl = std::move(PIER_CONCAT(pier_try_, __LINE__)).value()

#define PIER_CHECK(expr)                                          \
  do {                                                            \
    auto pier_check_result = (expr);                              \
    if (!pier_check_result.ok())                                  \
      return std::move(pier_check_result).error();                \
  } while (0)
