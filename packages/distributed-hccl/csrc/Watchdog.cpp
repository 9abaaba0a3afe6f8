#include "Watchdog.h"

#include <c10/util/Exception.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace torch_npu::hccl {
namespace {

bool asyncErrorHandling() {
  for (const char* name : {"TORCH_HCCL_ASYNC_ERROR_HANDLING", "HCCL_ASYNC_ERROR_HANDLING"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0') return std::string(value) != "0";
  }
  return true;
}

constexpr auto kInterval = std::chrono::milliseconds(100);

}  // namespace

Watchdog::Watchdog(int rank) : rank_(rank), abort_on_error_(asyncErrorHandling()), thread_([this] { run(); }) {}

Watchdog::~Watchdog() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Watchdog::track(std::shared_ptr<CollectiveState> work) {
  std::lock_guard<std::mutex> lock(mutex_);
  works_.push_back(std::move(work));
}

void Watchdog::terminate(const std::string& message) {
  std::fprintf(stderr, "%s\nTo avoid data inconsistency, the process is ended (TORCH_HCCL_ASYNC_ERROR_HANDLING=0 "
               "keeps it running and makes wait() raise instead).\n", message.c_str());
  std::fflush(stderr);
  std::abort();
}

bool Watchdog::check(CollectiveState& work) {
  if (work.exception()) return true;
  HcclResult async = HCCL_SUCCESS;
  try {
    async = work.communicator().asyncError();
  } catch (const c10::Error&) {
  }
  if (async != HCCL_SUCCESS) {
    // The stream holds the failure's text; reaching the work's event reports it.
    std::string reason = std::string("HCCL error ") + std::to_string(async) + " (" + hccl::HcclGetErrorString(async) + ")";
    try {
      work.synchronizeHost();
    } catch (const c10::Error& error) {
      reason = error.what_without_backtrace();
    }
    const std::string message = "[Rank " + std::to_string(rank_) + "] Watchdog caught an HCCL error in " +
                                work.describe() + ": " + reason;
    work.setFailure(message);
    if (abort_on_error_) terminate(message);
    return true;
  }
  if (work.isCompleted()) return true;
  const std::chrono::milliseconds ran = work.elapsed();
  if (ran > work.timeout()) {
    const std::string message = "[Rank " + std::to_string(rank_) +
                                "] Watchdog caught collective operation timeout: " + work.describe() + " ran for " +
                                std::to_string(ran.count()) + " milliseconds before timing out.";
    work.setFailure(message);
    if (abort_on_error_) terminate(message);
    return true;
  }
  return false;
}

void Watchdog::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    wake_.wait_for(lock, kInterval, [this] { return stop_; });
    std::vector<std::shared_ptr<CollectiveState>> pending;
    pending.swap(works_);
    lock.unlock();
    std::vector<std::shared_ptr<CollectiveState>> still;
    for (auto& work : pending) {
      bool done = true;
      try {
        done = check(*work);
      } catch (const std::exception& error) {
        work->setFailure(error.what());
      }
      if (!done) still.push_back(std::move(work));
    }
    lock.lock();
    works_.insert(works_.begin(), std::make_move_iterator(still.begin()), std::make_move_iterator(still.end()));
  }
}

}  // namespace torch_npu::hccl
