// How many cube and vector cores the kernels of a device or of a stream may
// use, over CANN's aclrt*ResLimit calls (torch.npu.set_device_limit and
// set_stream_limit), and how long a kernel may run (set_op_timeout_ms).
#pragma once

#include <c10/core/Device.h>

#include <cstdint>

#include "acl/acl_rt.h"
#include "npu/NPUStream.h"

namespace torch_npu::npu {

// 0 (cube) or 1 (vector) as CANN's enum; raises for any other.
aclrtDevResLimitType resLimitType(int64_t type);

// `device` must have been made current in this process before (its limits
// live in the context CANN creates then).
uint32_t getDeviceResLimit(c10::DeviceIndex device, aclrtDevResLimitType type);
void setDeviceResLimit(c10::DeviceIndex device, aclrtDevResLimitType type, uint32_t value);
void resetDeviceResLimit(c10::DeviceIndex device);

// A stream without limits of its own reports its device's.
uint32_t getStreamResLimit(const NPUStream& stream, aclrtDevResLimitType type);
void setStreamResLimit(const NPUStream& stream, aclrtDevResLimitType type, uint32_t value);
void resetStreamResLimit(const NPUStream& stream);

// Kernels launched from now on fail their stream with
// ACL_ERROR_RT_AICORE_TIMEOUT when they run longer than `timeout_ms`
// milliseconds; 0: the longest the device allows.
void setOpExecuteTimeout(uint32_t timeout_ms);

}  // namespace torch_npu::npu
