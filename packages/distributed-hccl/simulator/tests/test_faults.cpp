// Faults end in errors that name the cause, on every rank, never in a hang,
// and leave nothing in /dev/shm.
#include <string>

#include "rank_processes.h"

using namespace hccl_test;

namespace {

bool recentErrorMentions(const char* first, const char* second) {
  const std::string message = aclGetRecentErrMsg();
  const bool found = message.find(first) != std::string::npos && message.find(second) != std::string::npos;
  if (!found) std::fprintf(stderr, "unexpected error text: %s\n", message.c_str());
  return found;
}

}  // namespace

TEST_CASE(a_killed_rank_fails_the_collectives_of_the_others_naming_it) {
  const int before = leftoverSegments();
  const std::vector<int> statuses = runRanks(3, [](RankContext& c) {
    if (c.rank == 2) raise(SIGKILL);
    void* data = toDevice(std::vector<float>(16, 1));
    RANK_CHECK(HcclAllReduce(data, data, 16, HCCL_DATA_TYPE_FP32, HCCL_REDUCE_SUM, c.comm, c.stream) ==
               HCCL_SUCCESS);
    RANK_CHECK(aclrtSynchronizeStream(c.stream) == ACL_ERROR_RT_AICORE_EXCEPTION);
    RANK_CHECK(recentErrorMentions("rank 2", "died"));
    HcclResult async = HCCL_SUCCESS;
    RANK_CHECK(HcclGetCommAsyncError(c.comm, &async) == HCCL_SUCCESS && async == HCCL_E_REMOTE);
    // Later collectives fail too, at once.
    RANK_CHECK(HcclBarrier(c.comm, c.stream) == HCCL_SUCCESS);
    RANK_CHECK(aclrtSynchronizeStream(c.stream) == ACL_ERROR_RT_AICORE_EXCEPTION);
    return 0;
  }, true, {{"HCCL_EXEC_TIMEOUT", "30"}});
  CHECK_EQ(statuses[0], 0);
  CHECK_EQ(statuses[1], 0);
  CHECK_EQ(statuses[2], 128 + SIGKILL);
  CHECK_EQ(leftoverSegments(), before);
}

TEST_CASE(a_rank_that_never_joins_ends_in_a_connect_timeout) {
  const int before = leftoverSegments();
  const std::vector<int> statuses = runRanks(2, [](RankContext& c) {
    if (c.rank == 1) return 0;  // never joins
    const HcclResult result = HcclCommInitRootInfo(2, &c.root, 0, &c.comm);
    RANK_CHECK(result == HCCL_E_TIMEOUT);
    RANK_CHECK(recentErrorMentions("HCCL_CONNECT_TIMEOUT", "rank(s) 1"));
    return 0;
  }, false, {{"HCCL_CONNECT_TIMEOUT", "1"}});
  CHECK(allZero(statuses));
  CHECK_EQ(leftoverSegments(), before);
}

TEST_CASE(mismatched_collectives_fail_on_every_rank) {
  CHECK(allZero(runRanks(2, [](RankContext& c) {
    void* data = toDevice(std::vector<float>(8, 1));
    RANK_CHECK(HcclAllReduce(data, data, c.rank == 0 ? 4 : 8, HCCL_DATA_TYPE_FP32, HCCL_REDUCE_SUM, c.comm,
                             c.stream) == HCCL_SUCCESS);
    RANK_CHECK(aclrtSynchronizeStream(c.stream) == ACL_ERROR_RT_AICORE_EXCEPTION);
    RANK_CHECK(recentErrorMentions("collective mismatch", "count=4"));
    return 0;
  })));
}

TEST_CASE(a_peer_that_never_arrives_ends_in_an_exec_timeout) {
  CHECK(allZero(runRanks(2, [](RankContext& c) {
    if (c.rank == 1) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2500));
      return 0;  // exits without calling the collective
    }
    void* data = toDevice(std::vector<float>(4, 1));
    RANK_CHECK(HcclAllReduce(data, data, 4, HCCL_DATA_TYPE_FP32, HCCL_REDUCE_SUM, c.comm, c.stream) == HCCL_SUCCESS);
    RANK_CHECK(aclrtSynchronizeStream(c.stream) == ACL_ERROR_RT_AICORE_EXCEPTION);
    RANK_CHECK(recentErrorMentions("HCCL_EXEC_TIMEOUT", "rank 1"));
    return 0;
  }, true, {{"HCCL_EXEC_TIMEOUT", "1"}})));
}

TEST_CASE(bad_arguments_are_refused_at_the_call) {
  CHECK(allZero(runRanks(1, [](RankContext& c) {
    void* data = toDevice(std::vector<float>(4, 1));
    RANK_CHECK(HcclAllReduce(data, data, 4, HCCL_DATA_TYPE_INT128, HCCL_REDUCE_SUM, c.comm, c.stream) ==
               HCCL_E_NOT_SUPPORT);
    RANK_CHECK(HcclAllReduce(data, data, 4, HCCL_DATA_TYPE_FP32, HCCL_REDUCE_RESERVED, c.comm, c.stream) ==
               HCCL_E_NOT_SUPPORT);
    RANK_CHECK(HcclAllReduce(nullptr, data, 4, HCCL_DATA_TYPE_FP32, HCCL_REDUCE_SUM, c.comm, c.stream) == HCCL_E_PTR);
    RANK_CHECK(HcclBroadcast(data, 4, HCCL_DATA_TYPE_FP32, 3, c.comm, c.stream) == HCCL_E_PARA);
    RANK_CHECK(HcclBarrier(reinterpret_cast<HcclComm>(&c), c.stream) == HCCL_E_PTR);
    uint32_t size = 0;
    RANK_CHECK(HcclGetRankSize(c.comm, &size) == HCCL_SUCCESS && size == 1);
    RANK_CHECK(HcclCommDestroy(c.comm) == HCCL_SUCCESS);
    RANK_CHECK(HcclCommDestroy(c.comm) == HCCL_E_PTR);
    return 0;
  })));
}
