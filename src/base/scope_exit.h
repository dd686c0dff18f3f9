// Runs a function when the scope ends, unless released.
#pragma once

#include <utility>

namespace pier {

template <class F>
class ScopeExit {
 public:
  explicit ScopeExit(F fn) : fn_(std::move(fn)) {}
  ScopeExit(const ScopeExit&) = delete;
  ScopeExit& operator=(const ScopeExit&) = delete;
  ~ScopeExit() {
    if (armed_) fn_();
  }
  void release() { armed_ = false; }

 private:
  F fn_;
  bool armed_ = true;
};

}  // namespace pier
