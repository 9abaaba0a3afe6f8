// C entry points: host callbacks.
#include <pthread.h>

#include <chrono>

#include "acl/acl_rt.h"
#include "api_support.h"
#include "runtime.h"

using namespace npu_sim;

extern "C" {

aclError aclrtSubscribeReport(uint64_t threadId, aclrtStream stream) {
  return guarded("aclrtSubscribeReport", [&]() -> aclError {
    Session* session = nullptr;
    std::shared_ptr<Stream> target;
    if (aclError error = requireSession("aclrtSubscribeReport", session); error != ACL_SUCCESS) return error;
    if (aclError error = resolveStream("aclrtSubscribeReport", *session, stream, target); error != ACL_SUCCESS) {
      return error;
    }
    if (!target->subscribe(threadId, session->reports().addSubscription(threadId))) {
      session->reports().removeSubscription(threadId);
      return fail(ACL_ERROR_INVALID_PARAM, "aclrtSubscribeReport: the stream already has a subscribed thread");
    }
    return ACL_SUCCESS;
  });
}

aclError aclrtUnSubscribeReport(uint64_t threadId, aclrtStream stream) {
  return guarded("aclrtUnSubscribeReport", [&]() -> aclError {
    Session* session = nullptr;
    std::shared_ptr<Stream> target;
    if (aclError error = requireSession("aclrtUnSubscribeReport", session); error != ACL_SUCCESS) return error;
    if (aclError error = resolveStream("aclrtUnSubscribeReport", *session, stream, target); error != ACL_SUCCESS) {
      return error;
    }
    if (!target->unsubscribe(threadId)) {
      return fail(ACL_ERROR_INVALID_PARAM, "aclrtUnSubscribeReport: thread %llu is not subscribed to the stream",
                  static_cast<unsigned long long>(threadId));
    }
    session->reports().removeSubscription(threadId);
    return ACL_SUCCESS;
  });
}

aclError aclrtProcessReport(int32_t timeout) {
  return guarded("aclrtProcessReport", [&]() -> aclError {
    if (timeout < -1) {
      return fail(ACL_ERROR_INVALID_PARAM, "aclrtProcessReport: timeout %d is neither -1 nor a duration in ms", timeout);
    }
    Session* session = nullptr;
    if (aclError error = requireSession("aclrtProcessReport", session); error != ACL_SUCCESS) return error;
    // The id callers pass to aclrtSubscribeReport for this thread.
    const auto self = static_cast<uint64_t>(pthread_self());
    const std::shared_ptr<ReportInbox> inbox = session->reports().inboxOf(self);
    if (!inbox) {
      return fail(ACL_ERROR_INVALID_PARAM, "aclrtProcessReport: the calling thread is subscribed to no stream");
    }
    std::optional<std::chrono::milliseconds> wait_limit;
    if (timeout >= 0) wait_limit = std::chrono::milliseconds(timeout);
    if (!inbox->runPending(wait_limit)) {
      return fail(ACL_ERROR_RT_REPORT_TIMEOUT, "aclrtProcessReport: no callback arrived within %d ms", timeout);
    }
    return ACL_SUCCESS;
  });
}

aclError aclrtLaunchCallback(aclrtCallback fn, void* userData, aclrtCallbackBlockType blockType, aclrtStream stream) {
  return guarded("aclrtLaunchCallback", [&]() -> aclError {
    if (fn == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "aclrtLaunchCallback: fn is null");
    const int64_t raw_block_type = rawEnumValue(blockType);
    if (raw_block_type != ACL_CALLBACK_NO_BLOCK && raw_block_type != ACL_CALLBACK_BLOCK) {
      return fail(ACL_ERROR_INVALID_PARAM, "aclrtLaunchCallback: unknown block type %lld",
                  static_cast<long long>(raw_block_type));
    }
    Session* session = nullptr;
    std::shared_ptr<Stream> target;
    if (aclError error = requireSession("aclrtLaunchCallback", session); error != ACL_SUCCESS) return error;
    if (aclError error = resolveStreamForLaunch("aclrtLaunchCallback", *session, stream, target);
        error != ACL_SUCCESS) {
      return error;
    }
    std::shared_ptr<ReportInbox> inbox = target->subscriberInbox();
    if (!inbox) {
      return fail(ACL_ERROR_RT_STREAM_NO_CB_REG,
                  "aclrtLaunchCallback: no thread is subscribed to the stream (call aclrtSubscribeReport first)");
    }
    const bool block = raw_block_type == ACL_CALLBACK_BLOCK;
    // The callback is posted anew at each run: a capture replays it.
    target->submit(Task{[inbox = std::move(inbox), fn, userData, block] {
                          auto callback = std::make_shared<PendingCallback>(fn, userData);
                          inbox->post(callback);
                          if (block) callback->waitUntilRun();
                        },
                        TaskKind::Sync, ActivityLabel{NPU_SIM_ACTIVITY_HOST_CALLBACK, "HOST_CALLBACK"}});
    return ACL_SUCCESS;
  });
}

}  // extern "C"
