#include <catch2/catch.hpp>

#include <memory>

#include "event/defer_delete.h"
#include "event/fake/fake_loop.h"

using namespace pier::event;

namespace {
struct Counted {
  explicit Counted(int& gone) : gone_(gone) {}
  ~Counted() { ++gone_; }
  int& gone_;
};
}  // namespace

TEST_CASE("event::defer_delete holds any object until the next iteration", "[event]") {
  FakeLoop loop;
  int gone = 0;
  loop.post([&] {
    defer_delete(loop, std::make_unique<Counted>(gone));
    auto shared = std::make_shared<Counted>(gone);
    defer_delete(loop, shared);
    shared.reset();
    CHECK(gone == 0);  // still inside the callback that released them
  });
  loop.run_pending();
  CHECK(gone == 2);
}
