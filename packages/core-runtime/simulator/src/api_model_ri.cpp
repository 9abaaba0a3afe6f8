// C entry points: stream capture and model run instances (aclmdlRI*).
#include "acl/acl_rt.h"
#include "api_support.h"
#include "runtime.h"

using namespace npu_sim;

extern "C" {

aclError aclmdlRICaptureBegin(aclrtStream stream, aclmdlRICaptureMode mode) {
  return guarded("aclmdlRICaptureBegin", [&]() -> aclError {
    const int64_t raw_mode = rawEnumValue(mode);
    if (raw_mode < ACL_MODEL_RI_CAPTURE_MODE_GLOBAL || raw_mode > ACL_MODEL_RI_CAPTURE_MODE_RELAXED) {
      return fail(ACL_ERROR_INVALID_PARAM, "aclmdlRICaptureBegin: unknown capture mode %lld",
                  static_cast<long long>(raw_mode));
    }
    // The default stream serves every library's implicit work, which a
    // capture would swallow.
    if (stream == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "aclmdlRICaptureBegin: the default stream cannot be captured");
    Session* session = nullptr;
    std::shared_ptr<Stream> target;
    if (aclError error = requireSession("aclmdlRICaptureBegin", session); error != ACL_SUCCESS) return error;
    if (aclError error = resolveStreamForLaunch("aclmdlRICaptureBegin", *session, stream, target);
        error != ACL_SUCCESS) {
      return error;
    }
    if (target->capture()) {
      return fail(ACL_ERROR_RT_STREAM_CAPTURED, "aclmdlRICaptureBegin: the stream is already capturing");
    }
    auto model = std::make_shared<ModelRI>(target->deviceIndex(), static_cast<aclmdlRICaptureMode>(raw_mode));
    session->models().add(model);
    target->beginCapture(std::move(model));
    return ACL_SUCCESS;
  });
}

aclError aclmdlRICaptureGetInfo(aclrtStream stream, aclmdlRICaptureStatus* status, aclmdlRI* modelRI) {
  return guarded("aclmdlRICaptureGetInfo", [&]() -> aclError {
    if (status == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "aclmdlRICaptureGetInfo: status is null");
    Session* session = nullptr;
    std::shared_ptr<Stream> target;
    if (aclError error = requireSession("aclmdlRICaptureGetInfo", session); error != ACL_SUCCESS) return error;
    if (aclError error = resolveStream("aclmdlRICaptureGetInfo", *session, stream, target); error != ACL_SUCCESS) {
      return error;
    }
    const std::shared_ptr<ModelRI> capture = target->capture();
    *status = capture ? capture->captureStatus() : ACL_MODEL_RI_CAPTURE_STATUS_NONE;
    if (modelRI != nullptr) *modelRI = capture.get();
    return ACL_SUCCESS;
  });
}

aclError aclmdlRICaptureEnd(aclrtStream stream, aclmdlRI* modelRI) {
  return guarded("aclmdlRICaptureEnd", [&]() -> aclError {
    if (modelRI == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "aclmdlRICaptureEnd: modelRI is null");
    Session* session = nullptr;
    std::shared_ptr<Stream> target;
    if (aclError error = requireSession("aclmdlRICaptureEnd", session); error != ACL_SUCCESS) return error;
    if (aclError error = resolveStream("aclmdlRICaptureEnd", *session, stream, target); error != ACL_SUCCESS) {
      return error;
    }
    const std::shared_ptr<ModelRI> capture = target->endCapture();
    if (!capture) return fail(ACL_ERROR_RT_STREAM_NOT_CAPTURED, "aclmdlRICaptureEnd: the stream is not capturing");
    *modelRI = nullptr;
    if (!capture->finishCapture()) {
      session->models().remove(capture.get());
      return fail(ACL_ERROR_RT_STREAM_CAPTURE_INVALIDATED,
                  "aclmdlRICaptureEnd: the capture was invalidated by an operation not permitted when stream is "
                  "capturing; nothing was captured");
    }
    *modelRI = capture.get();
    return ACL_SUCCESS;
  });
}

aclError aclmdlRIExecuteAsync(aclmdlRI modelRI, aclrtStream stream) {
  return guarded("aclmdlRIExecuteAsync", [&]() -> aclError {
    Session* session = nullptr;
    std::shared_ptr<ModelRI> model;
    std::shared_ptr<Stream> target;
    if (aclError error = requireSession("aclmdlRIExecuteAsync", session); error != ACL_SUCCESS) return error;
    if (aclError error = resolveModel("aclmdlRIExecuteAsync", *session, modelRI, model); error != ACL_SUCCESS) {
      return error;
    }
    if (aclError error = resolveStreamForLaunch("aclmdlRIExecuteAsync", *session, stream, target);
        error != ACL_SUCCESS) {
      return error;
    }
    if (model->capturing()) {
      return fail(ACL_ERROR_RT_MODEL_CAPTURED, "aclmdlRIExecuteAsync: the model is still being captured");
    }
    if (model->deviceIndex() != target->deviceIndex()) {
      return fail(ACL_ERROR_RT_STREAM_CONTEXT, "aclmdlRIExecuteAsync: the model was captured on device %d, the stream "
                  "belongs to device %d", model->deviceIndex(), target->deviceIndex());
    }
    if (target->capture()) {
      return fail(ACL_ERROR_RT_FEATURE_NOT_SUPPORT,
                  "aclmdlRIExecuteAsync: executing a model on a capturing stream is not supported by the simulator yet");
    }
    const bool ran = target->submit(model->replayOn(*target));
    return ran ? reportTaskFailure(target->failures().take()) : ACL_SUCCESS;
  });
}

aclError aclmdlRIDestroy(aclmdlRI modelRI) {
  return guarded("aclmdlRIDestroy", [&]() -> aclError {
    Session* session = nullptr;
    std::shared_ptr<ModelRI> model;
    if (aclError error = requireSession("aclmdlRIDestroy", session); error != ACL_SUCCESS) return error;
    if (aclError error = resolveModel("aclmdlRIDestroy", *session, modelRI, model); error != ACL_SUCCESS) {
      return error;
    }
    if (model->capturing()) {
      return fail(ACL_ERROR_RT_MODEL_CAPTURED, "aclmdlRIDestroy: the model is still being captured; end the capture first");
    }
    // Replays in flight keep the recorded tasks alive until they finish.
    session->models().remove(modelRI);
    return ACL_SUCCESS;
  });
}

}  // extern "C"
