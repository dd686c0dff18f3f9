// libuv backend of event::Loop. Handle memory lives in a heap block that is freed in
// uv_close's callback, never in a wrapper's destructor: libuv may still touch a
// closing handle, and a wrapper may be destroyed from inside its own callback.
#include <uv.h>

#include <csignal>
#include <mutex>
#include <vector>

#include <fmt/format.h>

#include "event/loop.h"

namespace pier::event {
namespace {

Error uv_error(std::string_view op, int code) {
  return Error(fmt::format("{}: {}", op, uv_strerror(code)), -code);
}

template <class Handle, class Callback>
struct Block {
  Handle handle;
  Callback callback;
};

// Closes a handle and frees its block once libuv is done with it.
template <class B>
void close_block(B* block) {
  block->handle.data = block;
  uv_close(reinterpret_cast<uv_handle_t*>(&block->handle),
           [](uv_handle_t* h) { delete static_cast<B*>(h->data); });
}

class UvTimer final : public Timer {
 public:
  using B = Block<uv_timer_t, std::function<void()>>;
  UvTimer(uv_loop_t* loop, std::function<void()> cb) : block_(new B{{}, std::move(cb)}) {
    uv_timer_init(loop, &block_->handle);
    block_->handle.data = block_;
  }
  ~UvTimer() override { close_block(block_); }
  void start(Duration after, Duration repeat) override {
    // libuv counts from the time it cached when this loop iteration began: a timer
    // started late in a busy iteration would fire early by that much (a restart
    // backoff of 200 ms came after 188). Count from now.
    uv_update_time(block_->handle.loop);
    uv_timer_start(&block_->handle, [](uv_timer_t* t) {
      // Copy: the callback may destroy this timer; its block survives until close.
      auto* b = static_cast<B*>(t->data);
      b->callback();
    }, after.count(), repeat.count());
  }
  void stop() override { uv_timer_stop(&block_->handle); }
  bool active() const override {
    return uv_is_active(reinterpret_cast<const uv_handle_t*>(&block_->handle)) != 0;
  }

 private:
  B* block_;
};

class UvFdWatch final : public FdWatch {
 public:
  using B = Block<uv_poll_t, std::function<void(int)>>;
  static Result<std::unique_ptr<UvFdWatch>> create(uv_loop_t* loop, int fd, int events,
                                                   std::function<void(int)> cb) {
    auto* block = new B{{}, std::move(cb)};
    if (int rc = uv_poll_init(loop, &block->handle, fd); rc < 0) {
      delete block;
      return uv_error(fmt::format("watch fd {}", fd), rc);
    }
    auto watch = std::unique_ptr<UvFdWatch>(new UvFdWatch(block));
    watch->set_events(events);
    return watch;
  }
  ~UvFdWatch() override { close_block(block_); }
  void set_events(int events) override {
    int uv_events = ((events & kReadable) ? UV_READABLE : 0) |
                    ((events & kWritable) ? UV_WRITABLE : 0);
    if (uv_events == 0) {
      uv_poll_stop(&block_->handle);
      return;
    }
    block_->handle.data = block_;
    uv_poll_start(&block_->handle, uv_events, [](uv_poll_t* p, int status, int ev) {
      auto* b = static_cast<B*>(p->data);
      // An error (e.g. EBADF) is reported as readable so the owner's read sees it.
      int out = status < 0 ? kReadable
                           : ((ev & UV_READABLE) ? kReadable : 0) |
                                 ((ev & UV_WRITABLE) ? kWritable : 0);
      b->callback(out);
    });
  }

 private:
  explicit UvFdWatch(B* block) : block_(block) {}
  B* block_;
};

// Its own poll handle, stopped as it fires: an exited process's pidfd stays readable
// (level-triggered), so a poll left armed would wake the loop on every iteration.
class UvPidfdWatch final : public PidfdWatch {
 public:
  using B = Block<uv_poll_t, std::function<void()>>;
  static Result<std::unique_ptr<UvPidfdWatch>> create(uv_loop_t* loop, int pidfd, std::function<void()> cb) {
    auto* block = new B{{}, std::move(cb)};
    if (int rc = uv_poll_init(loop, &block->handle, pidfd); rc < 0) {
      delete block;
      return uv_error(fmt::format("watch pidfd {}", pidfd), rc);
    }
    block->handle.data = block;
    if (int rc = uv_poll_start(&block->handle, UV_READABLE, [](uv_poll_t* p, int, int) {
          uv_poll_stop(p);
          static_cast<B*>(p->data)->callback();
        });
        rc < 0) {
      close_block(block);
      return uv_error(fmt::format("watch pidfd {}", pidfd), rc);
    }
    return std::unique_ptr<UvPidfdWatch>(new UvPidfdWatch(block));
  }
  ~UvPidfdWatch() override { close_block(block_); }

 private:
  explicit UvPidfdWatch(B* block) : block_(block) {}
  B* block_;
};

class UvSignalWatch final : public SignalWatch {
 public:
  using B = Block<uv_signal_t, std::function<void()>>;
  UvSignalWatch(uv_loop_t* loop, std::function<void()> cb) : block_(new B{{}, std::move(cb)}) {
    uv_signal_init(loop, &block_->handle);
    block_->handle.data = block_;
  }
  ~UvSignalWatch() override { close_block(block_); }
  int start(int signum) {
    return uv_signal_start(&block_->handle, [](uv_signal_t* s, int) {
      static_cast<B*>(s->data)->callback();
    }, signum);
  }

 private:
  B* block_;
};

class UvLoop final : public Loop {
 public:
  UvLoop() {
    uv_loop_init(&loop_);
    uv_async_init(&loop_, &async_, [](uv_async_t* a) { static_cast<UvLoop*>(a->data)->drain_posted(); });
    async_.data = this;
    uv_idle_init(&loop_, &idle_);
    idle_.data = this;
    // The async handle must not keep run() alive on its own.
    uv_unref(reinterpret_cast<uv_handle_t*>(&async_));
  }
  ~UvLoop() override {
    drain_deferred();
    uv_walk(&loop_, [](uv_handle_t* h, void*) {
      if (!uv_is_closing(h)) uv_close(h, nullptr);
    }, nullptr);
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
  }

  std::unique_ptr<Timer> create_timer(std::function<void()> cb) override {
    return std::make_unique<UvTimer>(&loop_, std::move(cb));
  }
  Result<std::unique_ptr<FdWatch>> watch_fd(int fd, int events,
                                            std::function<void(int)> cb) override {
    PIER_TRY(auto watch, UvFdWatch::create(&loop_, fd, events, std::move(cb)));
    return std::unique_ptr<FdWatch>(std::move(watch));
  }
  Result<std::unique_ptr<PidfdWatch>> watch_pidfd(int pidfd, std::function<void()> cb) override {
    PIER_TRY(auto watch, UvPidfdWatch::create(&loop_, pidfd, std::move(cb)));
    return std::unique_ptr<PidfdWatch>(std::move(watch));
  }
  Result<std::unique_ptr<SignalWatch>> watch_signal(int signum, std::function<void()> cb) override {
    auto watch = std::make_unique<UvSignalWatch>(&loop_, std::move(cb));
    if (int rc = watch->start(signum); rc < 0)
      return uv_error(fmt::format("watch signal {}", signum), rc);
    return std::unique_ptr<SignalWatch>(std::move(watch));
  }

  void post(std::function<void()> fn) override {
    {
      std::lock_guard lock(mutex_);
      posted_.push_back(std::move(fn));
    }
    uv_async_send(&async_);
  }
  void defer_delete(std::unique_ptr<DeferredDeletable> object) override {
    deferred_.push_back(std::move(object));
    // An active idle handle makes the next poll non-blocking, so deletion is prompt.
    uv_idle_start(&idle_, [](uv_idle_t* i) { static_cast<UvLoop*>(i->data)->drain_deferred(); });
  }

  Clock::time_point now() const override { return Clock::now(); }
  void run() override {
    stopped_ = false;
    while (!stopped_ && uv_run(&loop_, UV_RUN_ONCE) != 0) {
    }
  }
  bool run_until(const std::function<bool()>& done, Duration timeout) override {
    bool timed_out = false;
    UvTimer deadline(&loop_, [&] { timed_out = true; });
    deadline.start(timeout, Duration::zero());
    stopped_ = false;
    while (!done() && !timed_out && !stopped_) uv_run(&loop_, UV_RUN_ONCE);
    return done();
  }
  void stop() override {
    stopped_ = true;
    uv_stop(&loop_);
  }

 private:
  void drain_posted() {
    std::vector<std::function<void()>> batch;
    {
      std::lock_guard lock(mutex_);
      batch.swap(posted_);
    }
    for (auto& fn : batch) fn();
  }
  void drain_deferred() {
    uv_idle_stop(&idle_);
    // Deleting may defer more objects; loop until the list stays empty.
    while (!deferred_.empty()) {
      auto batch = std::move(deferred_);
      deferred_.clear();
      batch.clear();
    }
  }

  uv_loop_t loop_{};
  uv_async_t async_{};
  uv_idle_t idle_{};
  std::mutex mutex_;
  std::vector<std::function<void()>> posted_;
  std::vector<std::unique_ptr<DeferredDeletable>> deferred_;
  bool stopped_ = false;
};

}  // namespace

Result<std::unique_ptr<Loop>> make_uv_loop() { return std::unique_ptr<Loop>(std::make_unique<UvLoop>()); }

}  // namespace pier::event
