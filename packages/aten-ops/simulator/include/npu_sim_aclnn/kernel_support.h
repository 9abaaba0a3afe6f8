// What the simulator's aclnn operators are built from (libopapi_sim.so).
//
// Each operator is two extern "C" functions over this API, e.g.
//
//   aclnnStatus aclnnAddGetWorkspaceSize(const aclTensor* self, ..., aclTensor* out,
//                                        uint64_t* workspaceSize, aclOpExecutor** executor) {
//     return npu_sim::aclnn::prepare("aclnnAdd", workspaceSize, executor,
//         [self_argument = npu_sim::aclnn::describe(self), ...,
//          out_argument = npu_sim::aclnn::describe(out)]() mutable {
//           auto self = self_argument.view();  // ... and so on: views are made on the worker
//           at::add_out(out, self, other, alpha);
//         });
//   }
//   aclnnStatus aclnnAdd(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor,
//                        aclrtStream stream) {
//     return npu_sim::aclnn::launch(executor, workspace, workspaceSize, stream);
//   }
#pragma once

#include "npu_sim_aclnn/cube_math.h"
#include "npu_sim_aclnn/dropout_mask.h"
#include "npu_sim_aclnn/dtype.h"
#include "npu_sim_aclnn/executor.h"
#include "npu_sim_aclnn/flash_attention.h"
#include "npu_sim_aclnn/grouped_matmul.h"
#include "npu_sim_aclnn/indices.h"
#include "npu_sim_aclnn/moe.h"
#include "npu_sim_aclnn/normalized_dims.h"
#include "npu_sim_aclnn/quant_matmul.h"
#include "npu_sim_aclnn/rotary.h"
#include "npu_sim_aclnn/to_aten.h"
