// Collectives between forked ranks give what the same arithmetic gives on the host.
#include <numeric>

#include "rank_processes.h"

using namespace hccl_test;

namespace {

// Rank r's input: r + 1 + i % 7, so every rank and element differs.
std::vector<float> inputOf(uint32_t rank, size_t count) {
  std::vector<float> values(count);
  for (size_t i = 0; i < count; ++i) values[i] = static_cast<float>(rank + 1 + i % 7);
  return values;
}

int allReduceSum(RankContext& c, size_t count) {
  void* data = toDevice(inputOf(c.rank, count));
  RANK_CHECK(HcclAllReduce(data, data, count, HCCL_DATA_TYPE_FP32, HCCL_REDUCE_SUM, c.comm, c.stream) ==
             HCCL_SUCCESS);
  RANK_CHECK(aclrtSynchronizeStream(c.stream) == ACL_SUCCESS);
  const std::vector<float> result = fromDevice<float>(data, count);
  for (size_t i = 0; i < count; ++i) {
    float expected = 0;
    for (uint32_t r = 0; r < c.ranks; ++r) expected += static_cast<float>(r + 1 + i % 7);
    RANK_CHECK(result[i] == expected);
  }
  RANK_CHECK(HcclCommDestroy(c.comm) == HCCL_SUCCESS);
  return 0;
}

}  // namespace

TEST_CASE(allreduce_sums_across_two_and_four_ranks_in_many_chunks) {
  const int before = leftoverSegments();
  // 1 MB slots and 3 MiB of floats: several chunks, the last one partial.
  for (uint32_t ranks : {2u, 4u}) {
    CHECK(allZero(runRanks(ranks, [](RankContext& c) { return allReduceSum(c, 786'433); }, true,
                           {{"HCCL_BUFFSIZE", "1"}})));
  }
  CHECK(allZero(runRanks(2, [](RankContext& c) { return allReduceSum(c, 0); })));
  CHECK_EQ(leftoverSegments(), before);
}

TEST_CASE(allreduce_applies_every_op) {
  CHECK(allZero(runRanks(3, [](RankContext& c) {
    const std::vector<int32_t> mine = {static_cast<int32_t>(c.rank) + 2, -static_cast<int32_t>(c.rank), 5};
    const std::pair<HcclReduceOp, std::vector<int32_t>> cases[] = {
        {HCCL_REDUCE_SUM, {9, -3, 15}}, {HCCL_REDUCE_PROD, {24, 0, 125}},
        {HCCL_REDUCE_MAX, {4, 0, 5}},   {HCCL_REDUCE_MIN, {2, -2, 5}}};
    for (const auto& [op, expected] : cases) {
      void* data = toDevice(mine);
      RANK_CHECK(HcclAllReduce(data, data, 3, HCCL_DATA_TYPE_INT32, op, c.comm, c.stream) == HCCL_SUCCESS);
      RANK_CHECK(aclrtSynchronizeStream(c.stream) == ACL_SUCCESS);
      RANK_CHECK(fromDevice<int32_t>(data, 3) == expected);
    }
    return 0;
  })));
}

TEST_CASE(broadcast_gather_scatter_alltoall_and_point_to_point) {
  CHECK(allZero(runRanks(2, [](RankContext& c) {
    const uint32_t me = c.rank;
    // Broadcast from rank 1.
    void* buffer = toDevice(inputOf(me, 5));
    RANK_CHECK(HcclBroadcast(buffer, 5, HCCL_DATA_TYPE_FP32, 1, c.comm, c.stream) == HCCL_SUCCESS);
    // AllGather of 3 elements each.
    void* piece = toDevice(inputOf(me, 3));
    void* gathered = toDevice(std::vector<float>(6));
    RANK_CHECK(HcclAllGather(piece, gathered, 3, HCCL_DATA_TYPE_FP32, c.comm, c.stream) == HCCL_SUCCESS);
    // ReduceScatter: 2 blocks of 2.
    void* whole = toDevice(inputOf(me, 4));
    void* part = toDevice(std::vector<float>(2));
    RANK_CHECK(HcclReduceScatter(whole, part, 2, HCCL_DATA_TYPE_FP32, HCCL_REDUCE_SUM, c.comm, c.stream) ==
               HCCL_SUCCESS);
    // AlltoAllV: rank r sends r + 1 elements to each peer.
    const uint64_t n = me + 1;
    void* sendv = toDevice(std::vector<float>(2 * n, static_cast<float>(me)));
    void* recvv = toDevice(std::vector<float>(3, -1));
    const uint64_t send_counts[] = {n, n}, send_displs[] = {0, n}, recv_counts[] = {1, 2}, recv_displs[] = {0, 1};
    RANK_CHECK(HcclAlltoAllV(sendv, send_counts, send_displs, HCCL_DATA_TYPE_FP32, recvv, recv_counts, recv_displs,
                             HCCL_DATA_TYPE_FP32, c.comm, c.stream) == HCCL_SUCCESS);
    // Send/Recv: rank 0 to rank 1, with an empty message after it.
    void* message = toDevice(inputOf(me, 4));
    if (me == 0) {
      RANK_CHECK(HcclSend(message, 4, HCCL_DATA_TYPE_FP32, 1, c.comm, c.stream) == HCCL_SUCCESS);
      RANK_CHECK(HcclSend(message, 0, HCCL_DATA_TYPE_FP32, 1, c.comm, c.stream) == HCCL_SUCCESS);
    } else {
      RANK_CHECK(HcclRecv(message, 4, HCCL_DATA_TYPE_FP32, 0, c.comm, c.stream) == HCCL_SUCCESS);
      RANK_CHECK(HcclRecv(message, 0, HCCL_DATA_TYPE_FP32, 0, c.comm, c.stream) == HCCL_SUCCESS);
    }
    RANK_CHECK(HcclBarrier(c.comm, c.stream) == HCCL_SUCCESS);
    RANK_CHECK(aclrtSynchronizeStream(c.stream) == ACL_SUCCESS);

    RANK_CHECK(fromDevice<float>(buffer, 5) == inputOf(1, 5));
    std::vector<float> expected_gather = inputOf(0, 3);
    for (float value : inputOf(1, 3)) expected_gather.push_back(value);
    RANK_CHECK(fromDevice<float>(gathered, 6) == expected_gather);
    const std::vector<float> a = inputOf(0, 4), b = inputOf(1, 4);
    RANK_CHECK((fromDevice<float>(part, 2) == std::vector<float>{a[2 * me] + b[2 * me], a[2 * me + 1] + b[2 * me + 1]}));
    RANK_CHECK((fromDevice<float>(recvv, 3) == std::vector<float>{0, 1, 1}));
    RANK_CHECK(fromDevice<float>(message, 4) == inputOf(0, 4));
    return 0;
  })));
}

// Collectives without data (zero elements, barriers) end at their first
// barrier, so a fast rank publishes its next call while a slow one still
// checks the last: back to back, they must never look mismatched.
TEST_CASE(back_to_back_collectives_without_data_stay_in_step) {
  CHECK(allZero(runRanks(3, [](RankContext& c) {
    void* one = toDevice(std::vector<float>{1});
    for (int i = 0; i < 300; ++i) {
      RANK_CHECK(HcclAllReduce(one, one, 0, HCCL_DATA_TYPE_FP32, HCCL_REDUCE_SUM, c.comm, c.stream) == HCCL_SUCCESS);
      RANK_CHECK(HcclBarrier(c.comm, c.stream) == HCCL_SUCCESS);
      RANK_CHECK(HcclBroadcast(one, 0, HCCL_DATA_TYPE_FP32, i % 3, c.comm, c.stream) == HCCL_SUCCESS);
      RANK_CHECK(HcclAllReduce(one, one, 1, HCCL_DATA_TYPE_FP32, HCCL_REDUCE_MAX, c.comm, c.stream) == HCCL_SUCCESS);
    }
    RANK_CHECK(aclrtSynchronizeStream(c.stream) == ACL_SUCCESS);
    RANK_CHECK(fromDevice<float>(one, 1)[0] == 1);
    return 0;
  })));
}

// Both ranks send first, each message many channel chunks long: only
// progressing the sends and receives together completes.
TEST_CASE(batch_send_recv_exchanges_large_messages_both_ways) {
  CHECK(allZero(runRanks(2, [](RankContext& c) {
    const size_t count = 1'000'000;  // 4 MB through 512 KB channels
    void* out = toDevice(inputOf(c.rank, count));
    void* in = toDevice(std::vector<float>(count));
    const uint32_t peer = 1 - c.rank;
    HcclSendRecvItem items[] = {{HCCL_SEND, out, count, HCCL_DATA_TYPE_FP32, peer},
                                {HCCL_RECV, in, count, HCCL_DATA_TYPE_FP32, peer}};
    RANK_CHECK(HcclBatchSendRecv(items, 2, c.comm, c.stream) == HCCL_SUCCESS);
    RANK_CHECK(aclrtSynchronizeStream(c.stream) == ACL_SUCCESS);
    RANK_CHECK(fromDevice<float>(in, count) == inputOf(peer, count));
    return 0;
  }, true, {{"HCCL_BUFFSIZE", "1"}})));
}
