// The one table of CANN runtime symbols that torch-npu resolves at run time.
//
// Each row is X(return type, name, (parameters), (arguments)). The loader
// expands it into a function-pointer table and into forwarding functions in
// namespace torch_npu::acl, so call sites read `acl::aclrtMalloc(...)`.
#pragma once

#include "acl/acl_rt.h"

#define TORCH_NPU_ACL_RUNTIME_SYMBOLS(X)                                                                 \
  X(aclError, aclInit, (const char* configPath), (configPath))                                           \
  X(aclError, aclFinalize, (), ())                                                                       \
  X(const char*, aclGetRecentErrMsg, (), ())                                                             \
  X(aclError, aclsysGetCANNVersion, (aclCANNPackageName name, aclCANNPackageVersion * version),          \
    (name, version))                                                                                     \
  X(aclError, aclrtCtxGetSysParamOpt, (aclSysParamOpt opt, int64_t * value), (opt, value))               \
  X(aclError, aclrtCtxSetSysParamOpt, (aclSysParamOpt opt, int64_t value), (opt, value))                 \
  X(aclError, aclrtGetSysParamOpt, (aclSysParamOpt opt, int64_t * value), (opt, value))                  \
  X(aclError, aclrtSetSysParamOpt, (aclSysParamOpt opt, int64_t value), (opt, value))                    \
  X(aclError, aclrtSetDevice, (int32_t deviceId), (deviceId))                                            \
  X(aclError, aclrtGetDevice, (int32_t * deviceId), (deviceId))                                          \
  X(aclError, aclrtResetDevice, (int32_t deviceId), (deviceId))                                          \
  X(aclError, aclrtGetDeviceCount, (uint32_t * count), (count))                                          \
  X(aclError, aclrtSynchronizeDevice, (), ())                                                            \
  X(const char*, aclrtGetSocName, (), ())                                                                \
  X(aclError, aclrtDeviceCanAccessPeer, (int32_t * canAccessPeer, int32_t deviceId, int32_t peerDeviceId), \
    (canAccessPeer, deviceId, peerDeviceId))                                                             \
  X(aclError, aclrtDeviceTaskAbort, (int32_t deviceId, uint32_t timeout), (deviceId, timeout))          \
  X(aclError, aclrtGetMemUceInfo,                                                                        \
    (int32_t deviceId, aclrtMemUceInfo * memUceInfoArray, size_t arraySize, size_t * retSize),           \
    (deviceId, memUceInfoArray, arraySize, retSize))                                                     \
  X(aclError, aclrtMemUceRepair, (int32_t deviceId, aclrtMemUceInfo * memUceInfoArray, size_t arraySize), \
    (deviceId, memUceInfoArray, arraySize))                                                              \
  X(aclError, aclrtDeviceEnablePeerAccess, (int32_t peerDeviceId, uint32_t flags), (peerDeviceId, flags)) \
  X(aclError, aclrtDeviceDisablePeerAccess, (int32_t peerDeviceId), (peerDeviceId))                     \
  X(aclError, aclrtGetDeviceUtilizationRate, (int32_t deviceId, aclrtUtilizationInfo * info),           \
    (deviceId, info))                                                                                    \
  X(aclError, aclrtGetDeviceResLimit, (int32_t deviceId, aclrtDevResLimitType type, uint32_t * value),   \
    (deviceId, type, value))                                                                             \
  X(aclError, aclrtSetDeviceResLimit, (int32_t deviceId, aclrtDevResLimitType type, uint32_t value),     \
    (deviceId, type, value))                                                                             \
  X(aclError, aclrtResetDeviceResLimit, (int32_t deviceId), (deviceId))                                  \
  X(aclError, aclrtSetOpExecuteTimeOutV2, (uint64_t timeout, uint64_t * actualTimeout),                 \
    (timeout, actualTimeout))                                                                            \
  X(aclError, aclrtMalloc, (void** devPtr, size_t size, aclrtMemMallocPolicy policy),                    \
    (devPtr, size, policy))                                                                              \
  X(aclError, aclrtFree, (void* devPtr), (devPtr))                                                       \
  X(aclError, aclrtMallocHost, (void** hostPtr, size_t size), (hostPtr, size))                           \
  X(aclError, aclrtFreeHost, (void* hostPtr), (hostPtr))                                                 \
  X(aclError, aclrtGetMemInfo, (aclrtMemAttr attr, size_t * free, size_t * total), (attr, free, total))  \
  X(aclError, aclrtReserveMemAddress,                                                                    \
    (void** virPtr, size_t size, size_t alignment, void* expectPtr, uint64_t flags),                     \
    (virPtr, size, alignment, expectPtr, flags))                                                         \
  X(aclError, aclrtReleaseMemAddress, (void* virPtr), (virPtr))                                          \
  X(aclError, aclrtMallocPhysical,                                                                       \
    (aclrtDrvMemHandle * handle, size_t size, const aclrtPhysicalMemProp* prop, uint64_t flags),         \
    (handle, size, prop, flags))                                                                         \
  X(aclError, aclrtFreePhysical, (aclrtDrvMemHandle handle), (handle))                                   \
  X(aclError, aclrtMapMem, (void* virPtr, size_t size, size_t offset, aclrtDrvMemHandle handle, uint64_t flags), \
    (virPtr, size, offset, handle, flags))                                                               \
  X(aclError, aclrtUnmapMem, (void* virPtr), (virPtr))                                                   \
  X(aclError, aclrtMemcpy, (void* dst, size_t destMax, const void* src, size_t count, aclrtMemcpyKind kind), \
    (dst, destMax, src, count, kind))                                                                    \
  X(aclError, aclrtMemcpyAsync,                                                                          \
    (void* dst, size_t destMax, const void* src, size_t count, aclrtMemcpyKind kind, aclrtStream stream), \
    (dst, destMax, src, count, kind, stream))                                                            \
  X(aclError, aclrtMemset, (void* devPtr, size_t maxCount, int32_t value, size_t count),                 \
    (devPtr, maxCount, value, count))                                                                    \
  X(aclError, aclrtMemsetAsync,                                                                          \
    (void* devPtr, size_t maxCount, int32_t value, size_t count, aclrtStream stream),                   \
    (devPtr, maxCount, value, count, stream))                                                            \
  X(aclError, aclrtCreateStream, (aclrtStream * stream), (stream))                                       \
  X(aclError, aclrtCreateStreamWithConfig, (aclrtStream * stream, uint32_t priority, uint32_t flag),     \
    (stream, priority, flag))                                                                            \
  X(aclError, aclrtDestroyStream, (aclrtStream stream), (stream))                                        \
  X(aclError, aclrtSynchronizeStream, (aclrtStream stream), (stream))                                    \
  X(aclError, aclrtStreamQuery, (aclrtStream stream, aclrtStreamStatus * status), (stream, status))      \
  X(aclError, aclrtStreamWaitEvent, (aclrtStream stream, aclrtEvent event), (stream, event))             \
  X(aclError, aclrtGetStreamResLimit, (aclrtStream stream, aclrtDevResLimitType type, uint32_t * value), \
    (stream, type, value))                                                                               \
  X(aclError, aclrtResetStreamResLimit, (aclrtStream stream), (stream))                                  \
  X(aclError, aclrtCreateEvent, (aclrtEvent * event), (event))                                           \
  X(aclError, aclrtCreateEventWithFlag, (aclrtEvent * event, uint32_t flag), (event, flag))              \
  X(aclError, aclrtDestroyEvent, (aclrtEvent event), (event))                                            \
  X(aclError, aclrtRecordEvent, (aclrtEvent event, aclrtStream stream), (event, stream))                 \
  X(aclError, aclrtResetEvent, (aclrtEvent event, aclrtStream stream), (event, stream))                  \
  X(aclError, aclrtQueryEventStatus, (aclrtEvent event, aclrtEventRecordedStatus * status),              \
    (event, status))                                                                                     \
  X(aclError, aclrtSynchronizeEvent, (aclrtEvent event), (event))                                        \
  X(aclError, aclrtEventElapsedTime, (float* ms, aclrtEvent start, aclrtEvent end), (ms, start, end))   \
  X(aclError, aclrtSubscribeReport, (uint64_t threadId, aclrtStream stream), (threadId, stream))         \
  X(aclError, aclrtUnSubscribeReport, (uint64_t threadId, aclrtStream stream), (threadId, stream))       \
  X(aclError, aclrtProcessReport, (int32_t timeout), (timeout))                                          \
  X(aclError, aclrtLaunchCallback,                                                                       \
    (aclrtCallback fn, void* userData, aclrtCallbackBlockType blockType, aclrtStream stream),            \
    (fn, userData, blockType, stream))                                                                   \
  X(aclError, aclmdlRICaptureBegin, (aclrtStream stream, aclmdlRICaptureMode mode), (stream, mode))      \
  X(aclError, aclmdlRICaptureGetInfo, (aclrtStream stream, aclmdlRICaptureStatus * status, aclmdlRI * modelRI), \
    (stream, status, modelRI))                                                                           \
  X(aclError, aclmdlRICaptureEnd, (aclrtStream stream, aclmdlRI * modelRI), (stream, modelRI))           \
  X(aclError, aclmdlRIExecuteAsync, (aclmdlRI modelRI, aclrtStream stream), (modelRI, stream))           \
  X(aclError, aclmdlRIDestroy, (aclmdlRI modelRI), (modelRI))                                            \
  X(aclError, aclmdlRICaptureTaskGrpBegin, (aclrtStream stream), (stream))                               \
  X(aclError, aclmdlRICaptureTaskGrpEnd, (aclrtStream stream, aclrtTaskGrp * handle), (stream, handle))  \
  X(aclError, aclmdlRICaptureTaskUpdateBegin, (aclrtStream stream, aclrtTaskGrp handle), (stream, handle)) \
  X(aclError, aclmdlRICaptureTaskUpdateEnd, (aclrtStream stream), (stream))
