// Loop::defer_delete for an object of any movable type (a unique_ptr, a shared_ptr, a
// watch): it is moved into a holder the loop destroys on its next iteration, after the
// callback that released it has returned. For code that drops what is running it, such
// as a container or a connection removed from inside its own callback.
#pragma once

#include <memory>
#include <utility>

#include "event/loop.h"

namespace pier::event {

template <class T>
void defer_delete(Loop& loop, T object) {
  struct Holder : DeferredDeletable {
    explicit Holder(T o) : held(std::move(o)) {}
    T held;
  };
  loop.defer_delete(std::make_unique<Holder>(std::move(object)));
}

}  // namespace pier::event
