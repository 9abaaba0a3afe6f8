// torch.npu.stress_detect: CANN's online self-tests of the hardware
// (libascend_ml.so), of a device's AI Cores or of the HCCS links between the
// devices of a communicator, with the reference's answers.
#pragma once

#include <c10/core/Device.h>

namespace torch_npu::npu {

enum class StressDetectTarget { AiCore, HccsLinks };

// 0: the test passed. 1: it could not run or failed (with a warning that says
// why). 2: it found a hardware fault (with a warning naming CANN's code).
// Raises when CANN reports the device's voltage could not be restored, and on
// the simulator, which has no hardware to test. `comm` (an HcclComm) is the
// communicator whose links HccsLinks tests.
int stressDetect(c10::DeviceIndex device, StressDetectTarget target, void* comm);

}  // namespace torch_npu::npu
