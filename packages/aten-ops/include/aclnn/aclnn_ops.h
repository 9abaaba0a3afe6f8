// Every aclnn operator the operator layer calls, one declaration each.
#pragma once

#include "aclnn/aclnn_amp.h"
#include "aclnn/aclnn_math.h"
#include "aclnn/aclnn_moe.h"
#include "aclnn/aclnn_nn.h"
#include "aclnn/aclnn_quant.h"
#include "aclnn/aclnn_random.h"
#include "aclnn/aclnn_transformer.h"
