// C entry points: stream capture and model run instances (aclmdlRI*).
#include "acl/acl_rt.h"
#include "api_support.h"
#include "runtime.h"

using namespace npu_sim;

namespace {

// The model capture (not a task update) under way on `stream`.
aclError requireModelCapture(const char* api, aclrtStream stream, std::shared_ptr<ModelRI>& capture) {
  Session* session = nullptr;
  std::shared_ptr<Stream> target;
  if (aclError error = requireSession(api, session); error != ACL_SUCCESS) return error;
  if (aclError error = resolveStream(api, *session, stream, target); error != ACL_SUCCESS) return error;
  capture = target->capture();
  if (!capture || capture->updatedGroup()) {
    return fail(ACL_ERROR_RT_STREAM_NOT_CAPTURED, "%s: the stream is not capturing a model", api);
  }
  return ACL_SUCCESS;
}

}  // namespace

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
    if (const std::shared_ptr<ModelRI> capture = target->capture(); capture && capture->updatedGroup()) {
      return fail(ACL_ERROR_INVALID_PARAM,
                  "aclmdlRICaptureEnd: the stream updates a task group; end that with aclmdlRICaptureTaskUpdateEnd");
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
    for (const std::shared_ptr<TaskGroup>& group : model->taskGroups()) session->taskGroups().remove(group.get());
    session->models().remove(modelRI);
    return ACL_SUCCESS;
  });
}

aclError aclmdlRICaptureTaskGrpBegin(aclrtStream stream) {
  return guarded("aclmdlRICaptureTaskGrpBegin", [&]() -> aclError {
    std::shared_ptr<ModelRI> capture;
    if (aclError error = requireModelCapture("aclmdlRICaptureTaskGrpBegin", stream, capture); error != ACL_SUCCESS) {
      return error;
    }
    if (!capture->beginTaskGroup()) {
      return fail(ACL_ERROR_INVALID_PARAM, "aclmdlRICaptureTaskGrpBegin: a task group is open on the stream already");
    }
    return ACL_SUCCESS;
  });
}

aclError aclmdlRICaptureTaskGrpEnd(aclrtStream stream, aclrtTaskGrp* handle) {
  return guarded("aclmdlRICaptureTaskGrpEnd", [&]() -> aclError {
    if (handle == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "aclmdlRICaptureTaskGrpEnd: handle is null");
    Session* session = nullptr;
    std::shared_ptr<ModelRI> capture;
    if (aclError error = requireSession("aclmdlRICaptureTaskGrpEnd", session); error != ACL_SUCCESS) return error;
    if (aclError error = requireModelCapture("aclmdlRICaptureTaskGrpEnd", stream, capture); error != ACL_SUCCESS) {
      return error;
    }
    std::shared_ptr<TaskGroup> group;
    switch (capture->endTaskGroup(group)) {
      case ModelRI::GroupEnd::NoneOpen:
        return fail(ACL_ERROR_INVALID_PARAM, "aclmdlRICaptureTaskGrpEnd: no task group is open on the stream");
      case ModelRI::GroupEnd::HoldsEventRecord:
        return fail(ACL_ERROR_RT_FEATURE_NOT_SUPPORT,
                    "aclmdlRICaptureTaskGrpEnd: the task group records an event, which the simulator cannot update; "
                    "its tasks stay in the capture outside any group");
      case ModelRI::GroupEnd::Ended:
        break;
    }
    *handle = session->taskGroups().add(std::move(group));
    return ACL_SUCCESS;
  });
}

aclError aclmdlRICaptureTaskUpdateBegin(aclrtStream stream, aclrtTaskGrp handle) {
  return guarded("aclmdlRICaptureTaskUpdateBegin", [&]() -> aclError {
    Session* session = nullptr;
    std::shared_ptr<Stream> target;
    if (aclError error = requireSession("aclmdlRICaptureTaskUpdateBegin", session); error != ACL_SUCCESS) return error;
    if (aclError error = resolveStreamForLaunch("aclmdlRICaptureTaskUpdateBegin", *session, stream, target);
        error != ACL_SUCCESS) {
      return error;
    }
    std::shared_ptr<TaskGroup> group = session->taskGroups().find(handle);
    if (!group) {
      return fail(ACL_ERROR_INVALID_PARAM, "aclmdlRICaptureTaskUpdateBegin: %p is not a live task group", handle);
    }
    if (target->capture()) {
      return fail(ACL_ERROR_RT_STREAM_CAPTURED, "aclmdlRICaptureTaskUpdateBegin: the stream is capturing already");
    }
    if (group->deviceIndex() != target->deviceIndex()) {
      return fail(ACL_ERROR_RT_STREAM_CONTEXT,
                  "aclmdlRICaptureTaskUpdateBegin: the task group was captured on device %d, the stream belongs to "
                  "device %d", group->deviceIndex(), target->deviceIndex());
    }
    // The updating thread may not make the calls a capture forbids; other
    // threads go on as usual.
    auto update = std::make_shared<ModelRI>(target->deviceIndex(), ACL_MODEL_RI_CAPTURE_MODE_THREAD_LOCAL,
                                            std::move(group));
    session->models().add(update);
    target->beginCapture(std::move(update));
    return ACL_SUCCESS;
  });
}

aclError aclmdlRICaptureTaskUpdateEnd(aclrtStream stream) {
  return guarded("aclmdlRICaptureTaskUpdateEnd", [&]() -> aclError {
    Session* session = nullptr;
    std::shared_ptr<Stream> target;
    if (aclError error = requireSession("aclmdlRICaptureTaskUpdateEnd", session); error != ACL_SUCCESS) return error;
    if (aclError error = resolveStream("aclmdlRICaptureTaskUpdateEnd", *session, stream, target); error != ACL_SUCCESS) {
      return error;
    }
    const std::shared_ptr<ModelRI> current = target->capture();
    if (!current || !current->updatedGroup()) {
      return fail(ACL_ERROR_RT_STREAM_NOT_CAPTURED, "aclmdlRICaptureTaskUpdateEnd: no task update is under way on the stream");
    }
    const std::shared_ptr<ModelRI> update = target->endCapture();
    session->models().remove(update.get());
    const std::shared_ptr<TaskGroup>& group = update->updatedGroup();
    std::vector<Task> tasks;
    if (!update->finishCapture()) {
      return fail(ACL_ERROR_RT_STREAM_CAPTURE_INVALIDATED,
                  "aclmdlRICaptureTaskUpdateEnd: the update was invalidated by an operation not permitted when stream "
                  "is capturing; the task group keeps its tasks");
    }
    if (!update->takeTasks(tasks)) {
      return fail(ACL_ERROR_RT_FEATURE_NOT_SUPPORT,
                  "aclmdlRICaptureTaskUpdateEnd: the update recorded an event; only tasks can replace a task group's");
    }
    if (tasks.size() != group->size()) {
      return fail(ACL_ERROR_INVALID_PARAM,
                  "aclmdlRICaptureTaskUpdateEnd: the update launched %zu tasks, the task group holds %zu; the task "
                  "group keeps its tasks", tasks.size(), group->size());
    }
    // In the stream's order, as on hardware: work the stream ran before sees
    // the old tasks, an event recorded after it orders replays after it.
    auto replacement = std::make_shared<const std::vector<Task>>(std::move(tasks));
    target->submit(Task{[group, replacement] { group->replace(replacement); }, TaskKind::Sync,
                        ActivityLabel{NPU_SIM_ACTIVITY_HOST_TASK, "aclmdlRICaptureTaskUpdateEnd"}});
    return ACL_SUCCESS;
  });
}

}  // extern "C"
