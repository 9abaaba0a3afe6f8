// System options: the process's, and each context's, which follows the
// process's until set.
#include "sim_fixture.h"

using namespace sim_test;

namespace {

int64_t processOption(aclSysParamOpt opt) {
  int64_t value = -1;
  CHECK_ACL(aclrtGetSysParamOpt(opt, &value));
  return value;
}

int64_t contextOption(aclSysParamOpt opt) {
  int64_t value = -1;
  CHECK_ACL(aclrtCtxGetSysParamOpt(opt, &value));
  return value;
}

}  // namespace

TEST_CASE(contexts_follow_the_process_until_set) {
  ScopedSimulator sim;
  CHECK_EQ(processOption(ACL_OPT_DETERMINISTIC), int64_t{0});
  CHECK_EQ(contextOption(ACL_OPT_DETERMINISTIC), int64_t{0});
  CHECK_ACL(aclrtSetSysParamOpt(ACL_OPT_DETERMINISTIC, 1));
  CHECK_EQ(contextOption(ACL_OPT_DETERMINISTIC), int64_t{1});
  // Device 0's context turns it off again; device 1's still follows the process.
  CHECK_ACL(aclrtCtxSetSysParamOpt(ACL_OPT_DETERMINISTIC, 0));
  CHECK_EQ(contextOption(ACL_OPT_DETERMINISTIC), int64_t{0});
  CHECK_EQ(processOption(ACL_OPT_DETERMINISTIC), int64_t{1});
  CHECK_ACL(aclrtSetDevice(1));
  CHECK_EQ(contextOption(ACL_OPT_DETERMINISTIC), int64_t{1});
  // Options are separate.
  CHECK_EQ(contextOption(ACL_OPT_ENABLE_DEBUG_KERNEL), int64_t{0});
}

TEST_CASE(bad_options_values_and_threads) {
  ScopedSimulator sim;
  int64_t value = 0;
  CHECK_ACL_ERROR(aclrtSetSysParamOpt(static_cast<aclSysParamOpt>(2), 1), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtCtxSetSysParamOpt(ACL_OPT_DETERMINISTIC, 2), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtGetSysParamOpt(ACL_OPT_DETERMINISTIC, nullptr), ACL_ERROR_INVALID_PARAM);
  CHECK_EQ(processOption(ACL_OPT_DETERMINISTIC), int64_t{0});
  // A thread without a current device has no context.
  aclError on_other_thread = ACL_SUCCESS;
  std::thread([&] { on_other_thread = aclrtCtxGetSysParamOpt(ACL_OPT_DETERMINISTIC, &value); }).join();
  CHECK_EQ(on_other_thread, ACL_ERROR_RT_CONTEXT_NULL);
}
