#include "npu_sim_aclnn/flash_attention.h"

#include <ATen/ATen.h>
#include <c10/util/accumulate.h>

#include <limits>
#include <utility>

#include "npu_sim_aclnn/dropout_mask.h"

namespace npu_sim::aclnn {
namespace {

// (B, N, S, D) views of tensors in a dense layout.
struct Layout {
  std::string name;

  at::Tensor toBnsd(const at::Tensor& t, int64_t heads) const {
    if (name == "BNSD") return t;
    if (name == "BSND") return t.permute({0, 2, 1, 3});
    if (name == "BSH") return t.view({t.size(0), t.size(1), heads, t.size(2) / heads}).permute({0, 2, 1, 3});
    // SBH
    return t.view({t.size(0), t.size(1), heads, t.size(2) / heads}).permute({1, 2, 0, 3});
  }
};

int64_t headsOf(const at::Tensor& t, const std::string& layout, int64_t head_dim) {
  if (layout == "BNSD") return t.size(1);
  if (layout == "BSND" || layout == "TND") return t.size(layout == "TND" ? 1 : 2);
  return t.size(2) / head_dim;
}

void check(const char* op, const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
           const AttentionOptions& options) {
  const std::string& layout = options.layout;
  TORCH_CHECK(layout == "BSH" || layout == "SBH" || layout == "BSND" || layout == "BNSD" || layout == "TND", op,
              ": inputLayout ", layout, " is not simulated (BSH, SBH, BSND, BNSD and TND are)");
  const int64_t rank = static_cast<int64_t>(layout.size());
  TORCH_CHECK(query.dim() == rank && key.dim() == rank && value.dim() == rank, op, ": layout ", layout,
              " takes ", rank, "-dimensional query, key and value");
  TORCH_CHECK(options.head_num > 0, op, ": headNum must be positive, not ", options.head_num);
  TORCH_CHECK(options.sparse_mode >= 0 && options.sparse_mode <= 4, op, ": sparseMode ", options.sparse_mode,
              " is not simulated (0 to 4 are)");
  TORCH_CHECK(options.keep_prob > 0.0 && options.keep_prob <= 1.0, op, ": keepProb must be in (0, 1], not ",
              options.keep_prob);
  if (layout != "TND") return;
  TORCH_CHECK(!options.q_ends.empty() && options.q_ends.size() == options.kv_ends.size(), op,
              ": layout TND needs actualSeqQLen and actualSeqKvLen of one length each");
  TORCH_CHECK(options.q_ends.back() == query.size(0) && options.kv_ends.back() == key.size(0), op,
              ": actualSeqQLen/actualSeqKvLen must end at the ", query.size(0), " query and ", key.size(0),
              " key tokens");
}

// Which scores attention ignores (true: masked), broadcastable to (B, N, S1, S2).
at::Tensor maskOf(const at::Tensor& atten_mask, const AttentionOptions& options, int64_t q_len, int64_t kv_len) {
  const at::TensorOptions flags = at::TensorOptions().dtype(at::kBool);
  const at::Tensor rows = at::arange(q_len, at::kLong).view({q_len, 1});
  const at::Tensor columns = at::arange(kv_len, at::kLong).view({1, kv_len});
  // How far each key is ahead of its query (negative: behind), counted from
  // the top-left corner or from the bottom-right one.
  const at::Tensor ahead_top_left = columns - rows;
  const at::Tensor ahead_bottom_right = ahead_top_left - (kv_len - q_len);
  switch (options.sparse_mode) {
    case 0: {
      at::Tensor band = ahead_top_left.gt(options.next_tokens).logical_or(ahead_top_left.lt(-options.pre_tokens));
      return atten_mask.defined() ? band.logical_or(atten_mask.to(at::kBool)) : band;
    }
    case 1:
      return atten_mask.defined() ? atten_mask.to(at::kBool) : at::zeros({q_len, kv_len}, flags);
    case 2:
      return ahead_top_left.gt(0);
    case 3:
      return ahead_bottom_right.gt(0);
    default:  // 4
      return ahead_bottom_right.gt(options.next_tokens).logical_or(ahead_bottom_right.lt(-options.pre_tokens));
  }
}

// One attention problem: float (B, N, S, D) operands, key and value repeated
// over the query heads that share them (grouped-query attention).
struct Problem {
  at::Tensor q, k, v;
  int64_t kv_heads;
  at::Tensor pse;   // or undefined
  at::Tensor kept;  // dropout's factor per probability (kept / keepProb), or undefined
};

Problem problem(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& pse,
                int64_t heads) {
  const int64_t kv_heads = k.size(1);
  Problem result{q.to(at::kFloat), k.to(at::kFloat), v.to(at::kFloat), kv_heads,
                 pse.defined() ? pse.to(at::kFloat) : pse, at::Tensor()};
  if (kv_heads != heads) {
    result.k = result.k.repeat_interleave(heads / kv_heads, 1);
    result.v = result.v.repeat_interleave(heads / kv_heads, 1);
  }
  return result;
}

// scale * (pse + q @ k^T), masked scores at -inf.
at::Tensor scores(const Problem& in, const at::Tensor& atten_mask, const AttentionOptions& options) {
  at::Tensor s = at::matmul(in.q, in.k.transpose(-2, -1));
  if (in.pse.defined()) s = s + in.pse;
  s = s * options.scale;
  return s.masked_fill(maskOf(atten_mask, options, in.q.size(2), in.k.size(2)),
                       -std::numeric_limits<float>::infinity());
}

// exp(s - max) / sum, with rows that mask every key giving zeros.
at::Tensor probabilities(const at::Tensor& s, const at::Tensor& row_max, const at::Tensor& row_sum) {
  const at::Tensor finite_max = row_max.masked_fill(row_max.isneginf(), 0.0);
  return (s - finite_max).exp() / row_sum.masked_fill(row_sum.eq(0), 1.0);
}

at::Tensor dropped(const at::Tensor& p, const Problem& in) { return in.kept.defined() ? p * in.kept : p; }

// Sums a (B, N, ...) gradient over the query heads that share each key/value head.
at::Tensor sumGroups(const at::Tensor& t, int64_t kv_heads) {
  const int64_t group = t.size(1) / kv_heads;
  if (group == 1) return t;
  return t.view({t.size(0), kv_heads, group, t.size(2), t.size(3)}).sum(2);
}

struct Forward {
  at::Tensor out, row_max, row_sum;  // (B, N, S1, D), (B, N, S1, 1) twice
};

Forward forward(const Problem& in, const at::Tensor& atten_mask, const AttentionOptions& options) {
  const at::Tensor s = scores(in, atten_mask, options);
  at::Tensor row_max = std::get<0>(s.max(-1, /*keepdim=*/true));
  at::Tensor row_sum = (s - row_max.masked_fill(row_max.isneginf(), 0.0)).exp().sum(-1, /*keepdim=*/true);
  return {at::matmul(dropped(probabilities(s, row_max, row_sum), in), in.v), row_max, row_sum};
}

struct Backward {
  at::Tensor dq, dk, dv, dpse;  // dk and dv summed over the groups of query heads
};

Backward backward(const Problem& in, const at::Tensor& dy, const at::Tensor& atten_mask, const at::Tensor& row_max,
                  const at::Tensor& row_sum, const AttentionOptions& options) {
  const at::Tensor p = probabilities(scores(in, atten_mask, options), row_max, row_sum);
  const at::Tensor dp = dropped(at::matmul(dy, in.v.transpose(-2, -1)), in);
  // Softmax's backward, then the scale: the gradient of pse + q @ k^T.
  const at::Tensor ds = p * (dp - (dp * p).sum(-1, /*keepdim=*/true)) * options.scale;
  return {at::matmul(ds, in.k), sumGroups(at::matmul(ds.transpose(-2, -1), in.q), in.kv_heads),
          sumGroups(at::matmul(dropped(p, in).transpose(-2, -1), dy), in.kv_heads), ds};
}

// The problems of a call: one for the dense layouts, one per sequence for TND
// (each as a batch of one), over views of the caller's tensors.
struct Slice {
  int64_t q_begin, q_len, kv_begin, kv_len;
};

std::vector<Slice> slices(const AttentionOptions& options) {
  if (options.layout != "TND") return {{0, 0, 0, 0}};
  std::vector<Slice> result;
  int64_t q_begin = 0;
  int64_t kv_begin = 0;
  for (size_t i = 0; i < options.q_ends.size(); ++i) {
    result.push_back({q_begin, options.q_ends[i] - q_begin, kv_begin, options.kv_ends[i] - kv_begin});
    q_begin = options.q_ends[i];
    kv_begin = options.kv_ends[i];
  }
  return result;
}

// A (B, N, S, D) view of `t`'s part for `slice` (TND: tokens [begin, begin + len)).
at::Tensor bnsd(const at::Tensor& t, const AttentionOptions& options, int64_t heads, int64_t begin, int64_t len) {
  if (options.layout == "TND") return t.narrow(0, begin, len).unsqueeze(0).permute({0, 2, 1, 3});
  return Layout{options.layout}.toBnsd(t, heads);
}

// The statistics' (B, N, S1, 8) view for `slice` (TND keeps them as (T, N, 8)).
at::Tensor statistics(const at::Tensor& t, const AttentionOptions& options, const Slice& slice) {
  if (options.layout == "TND") return t.narrow(0, slice.q_begin, slice.q_len).unsqueeze(0).permute({0, 2, 1, 3});
  return t;
}

int64_t headDim(const at::Tensor& query, const AttentionOptions& options) {
  return options.layout.size() == 3 && options.layout != "TND" ? query.size(2) / options.head_num
                                                               : query.size(-1);
}

// Each problem's dropout factors, cut in order from one mask over all of them.
std::vector<at::Tensor> keptFactors(const at::Tensor& drop_mask, const std::vector<Slice>& parts,
                                    const std::vector<std::vector<int64_t>>& score_shapes, double keep_prob) {
  std::vector<at::Tensor> result(parts.size());
  if (keep_prob == 1.0 || !drop_mask.defined()) return result;
  int64_t numel = 0;
  for (const auto& shape : score_shapes) numel += c10::multiply_integers(shape);
  const at::Tensor kept = keptByDropoutMask(drop_mask, {numel}).to(at::kFloat) / keep_prob;
  int64_t position = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const int64_t count = c10::multiply_integers(score_shapes[i]);
    result[i] = kept.narrow(0, position, count).view(score_shapes[i]);
    position += count;
  }
  return result;
}

// The problems of a call with their dropout factors.
std::vector<Problem> problems(const char* op, const at::Tensor& query, const at::Tensor& key,
                              const at::Tensor& value, const at::Tensor& pse, const at::Tensor& drop_mask,
                              const AttentionOptions& options, std::vector<Slice>& parts) {
  check(op, query, key, value, options);
  const int64_t heads = options.head_num;
  const int64_t head_dim = headDim(query, options);
  TORCH_CHECK(headsOf(query, options.layout, head_dim) == heads, op, ": query has ",
              headsOf(query, options.layout, head_dim), " heads, headNum is ", heads);
  const int64_t kv_heads = headsOf(key, options.layout, head_dim);
  TORCH_CHECK(kv_heads > 0 && heads % kv_heads == 0, op, ": the ", kv_heads,
              " key/value heads must divide the query's ", heads);
  TORCH_CHECK(options.layout != "TND" || !pse.defined(), op, ": pse with layout TND is not simulated");
  parts = slices(options);
  std::vector<Problem> result;
  std::vector<std::vector<int64_t>> score_shapes;
  for (const Slice& part : parts) {
    Problem one = problem(bnsd(query, options, heads, part.q_begin, part.q_len),
                          bnsd(key, options, kv_heads, part.kv_begin, part.kv_len),
                          bnsd(value, options, kv_heads, part.kv_begin, part.kv_len), pse, heads);
    score_shapes.push_back({one.q.size(0), heads, one.q.size(2), one.k.size(2)});
    result.push_back(std::move(one));
  }
  const std::vector<at::Tensor> kept = keptFactors(drop_mask, parts, score_shapes, options.keep_prob);
  for (size_t i = 0; i < result.size(); ++i) result[i].kept = kept[i];
  return result;
}

}  // namespace

void flashAttentionForward(const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
                           const at::Tensor& pse, const at::Tensor& drop_mask, const at::Tensor& atten_mask,
                           const AttentionOptions& options, at::Tensor& softmax_max, at::Tensor& softmax_sum,
                           at::Tensor& attention_out) {
  std::vector<Slice> parts;
  const std::vector<Problem> all =
      problems("aclnnFlashAttentionScore", query, key, value, pse, drop_mask, options, parts);
  for (size_t i = 0; i < all.size(); ++i) {
    const Slice& part = parts[i];
    const Forward result = forward(all[i], atten_mask, options);
    bnsd(attention_out, options, options.head_num, part.q_begin, part.q_len).copy_(result.out);
    at::Tensor row_max = statistics(softmax_max, options, part);
    at::Tensor row_sum = statistics(softmax_sum, options, part);
    row_max.copy_(result.row_max.expand(row_max.sizes()));
    row_sum.copy_(result.row_sum.expand(row_sum.sizes()));
  }
}

void flashAttentionBackward(const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
                            const at::Tensor& dy, const at::Tensor& pse, const at::Tensor& drop_mask,
                            const at::Tensor& atten_mask, const at::Tensor& softmax_max,
                            const at::Tensor& softmax_sum, const AttentionOptions& options, at::Tensor& dq,
                            at::Tensor& dk, at::Tensor& dv, at::Tensor& dpse) {
  std::vector<Slice> parts;
  const std::vector<Problem> all =
      problems("aclnnFlashAttentionScoreGrad", query, key, value, pse, drop_mask, options, parts);
  const int64_t heads = options.head_num;
  for (size_t i = 0; i < all.size(); ++i) {
    const Slice& part = parts[i];
    const Problem& in = all[i];
    // The forward's statistics, as it saved them (the first of the 8 copies).
    const Backward result = backward(in, bnsd(dy, options, heads, part.q_begin, part.q_len).to(at::kFloat),
                                     atten_mask, statistics(softmax_max, options, part).narrow(-1, 0, 1),
                                     statistics(softmax_sum, options, part).narrow(-1, 0, 1), options);
    bnsd(dq, options, heads, part.q_begin, part.q_len).copy_(result.dq);
    bnsd(dk, options, in.kv_heads, part.kv_begin, part.kv_len).copy_(result.dk);
    bnsd(dv, options, in.kv_heads, part.kv_begin, part.kv_len).copy_(result.dv);
    if (dpse.defined() && dpse.numel() > 0) dpse.copy_(result.dpse.sum_to_size(dpse.sizes()));
  }
}

namespace {

// A mask of PFA as (B or 1, N or 1, S1, S2): from (S1, S2) or (B, S1, S2).
at::Tensor fourDimensional(const at::Tensor& t) {
  if (!t.defined() || t.dim() == 4) return t;
  if (t.dim() == 2) return t.view({1, 1, t.size(0), t.size(1)});
  TORCH_CHECK(t.dim() == 3, "aclnnPromptFlashAttentionV3: attenMask must be 2-, 3- or 4-dimensional, not ",
              t.dim(), "-dimensional");
  return t.unsqueeze(1);
}

// Batch b's top-left (q_len, kv_len) part of a 4-dimensional mask.
at::Tensor batchPart(const at::Tensor& t, int64_t b, int64_t q_len, int64_t kv_len) {
  if (!t.defined()) return t;
  return t.narrow(0, t.size(0) == 1 ? 0 : b, 1).narrow(2, 0, q_len).narrow(3, 0, kv_len);
}

int64_t lengthOf(const char* op, const std::vector<int64_t>& lengths, int64_t b, int64_t full, const char* name) {
  if (lengths.empty()) return full;
  TORCH_CHECK(lengths[b] >= 0 && lengths[b] <= full, op, ": ", name, "[", b, "] = ",
              lengths[b], " is not in [0, ", full, "]");
  return lengths[b];
}

// The checks both inference kernels make; returns the query's and the key/value's head counts.
std::pair<int64_t, int64_t> checkedInferenceHeads(const char* op, const at::Tensor& query, const at::Tensor& key,
                                                  const at::Tensor& value, const at::Tensor& pse,
                                                  const AttentionOptions& options, int64_t kv_head_num) {
  const std::string& layout = options.layout;
  TORCH_CHECK(layout == "BSH" || layout == "BSND" || layout == "BNSD", op, ": inputLayout ", layout,
              " is not simulated (BSH, BSND and BNSD are)");
  check(op, query, key, value, options);
  TORCH_CHECK(!pse.defined(), op, ": pseShift is not simulated");
  const int64_t heads = options.head_num;
  const int64_t kv_heads = kv_head_num == 0 ? heads : kv_head_num;
  TORCH_CHECK(kv_heads > 0 && heads % kv_heads == 0, op, ": numKeyValueHeads ", kv_heads,
              " must divide numHeads ", heads);
  const int64_t head_dim = headDim(query, options);
  TORCH_CHECK(headsOf(query, layout, head_dim) == heads, op, ": query has ", headsOf(query, layout, head_dim),
              " heads, numHeads is ", heads);
  TORCH_CHECK(headsOf(key, layout, head_dim) == kv_heads && headsOf(value, layout, head_dim) == kv_heads, op,
              ": key and value must have numKeyValueHeads ", kv_heads, " heads of size ", head_dim);
  return {heads, kv_heads};
}

}  // namespace

void promptFlashAttention(const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
                          const at::Tensor& pse, const at::Tensor& atten_mask, const std::vector<int64_t>& q_lengths,
                          const std::vector<int64_t>& kv_lengths, const AttentionOptions& options,
                          int64_t kv_head_num, at::Tensor& attention_out) {
  constexpr const char* op = "aclnnPromptFlashAttentionV3";
  const std::string& layout = options.layout;
  const auto [heads, kv_heads] = checkedInferenceHeads(op, query, key, value, pse, options, kv_head_num);
  const Layout view{layout};
  const at::Tensor q = view.toBnsd(query, heads);
  const at::Tensor k = view.toBnsd(key, kv_heads);
  const at::Tensor v = view.toBnsd(value, kv_heads);
  at::Tensor out = view.toBnsd(attention_out, heads);
  const int64_t batch = q.size(0);
  TORCH_CHECK(q_lengths.empty() || static_cast<int64_t>(q_lengths.size()) == batch, op,
              ": actualSeqLengths must have one length per batch (", batch, "), got ", q_lengths.size());
  TORCH_CHECK(kv_lengths.empty() || static_cast<int64_t>(kv_lengths.size()) == batch, op,
              ": actualSeqLengthsKv must have one length per batch (", batch, "), got ", kv_lengths.size());
  AttentionOptions masking = options;
  if (options.sparse_mode == 0 && !atten_mask.defined()) {
    masking.pre_tokens = std::numeric_limits<int64_t>::max() / 2;
    masking.next_tokens = std::numeric_limits<int64_t>::max() / 2;
  }
  const at::Tensor mask = fourDimensional(atten_mask);
  out.zero_();
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t q_len = lengthOf(op, q_lengths, b, q.size(2), "actualSeqLengths");
    const int64_t kv_len = lengthOf(op, kv_lengths, b, k.size(2), "actualSeqLengthsKv");
    if (q_len == 0) continue;
    const Problem in = problem(q.narrow(0, b, 1).narrow(2, 0, q_len), k.narrow(0, b, 1).narrow(2, 0, kv_len),
                               v.narrow(0, b, 1).narrow(2, 0, kv_len), at::Tensor(), heads);
    out.narrow(0, b, 1).narrow(2, 0, q_len).copy_(forward(in, batchPart(mask, b, q_len, kv_len), masking).out);
  }
}

namespace {

constexpr const char* kIncreOp = "aclnnIncreFlashAttentionV4";

// Batch b's first kv_len keys of the paged cache, as (1, N, kv_len, D).
at::Tensor pagedKeys(const at::Tensor& cache, const at::Tensor& block_table, int64_t b, int64_t kv_len,
                     int64_t block_size, const std::string& layout, int64_t heads) {
  const int64_t blocks = (kv_len + block_size - 1) / block_size;
  TORCH_CHECK(blocks <= block_table.size(1), kIncreOp, ": batch ", b, " needs ", blocks, " blocks of ", block_size,
              " keys, blocktable has ", block_table.size(1));
  const at::Tensor ids = block_table[b].narrow(0, 0, blocks).to(at::kLong);
  TORCH_CHECK(blocks == 0 || (ids.min().item<int64_t>() >= 0 && ids.max().item<int64_t>() < cache.size(0)),
              kIncreOp, ": blocktable of batch ", b, " names blocks outside the cache's ", cache.size(0));
  const at::Tensor gathered = cache.index_select(0, ids);
  if (layout == "BNSD") {  // (n, N, block_size, D)
    return gathered.permute({1, 0, 2, 3}).reshape({1, cache.size(1), blocks * block_size, cache.size(3)})
        .narrow(2, 0, kv_len);
  }
  std::vector<int64_t> shape = gathered.sizes().vec();
  shape.erase(shape.begin());
  shape[0] = blocks * block_size;
  shape.insert(shape.begin(), 1);
  return Layout{layout}.toBnsd(gathered.reshape(shape).narrow(1, 0, kv_len), heads);
}

}  // namespace

void incrementalFlashAttention(const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
                               const at::Tensor& pse, const at::Tensor& atten_mask,
                               const std::vector<int64_t>& kv_lengths, const at::Tensor& block_table,
                               int64_t block_size, const AttentionOptions& options, int64_t kv_head_num,
                               at::Tensor& attention_out) {
  const std::string& layout = options.layout;
  const auto [heads, kv_heads] = checkedInferenceHeads(kIncreOp, query, key, value, pse, options, kv_head_num);
  const Layout view{layout};
  const at::Tensor q = view.toBnsd(query, heads);
  at::Tensor out = view.toBnsd(attention_out, heads);
  const int64_t batch = q.size(0);
  TORCH_CHECK(q.size(2) == 1, kIncreOp, ": query's sequence length must be 1, not ", q.size(2));
  TORCH_CHECK(kv_lengths.empty() || static_cast<int64_t>(kv_lengths.size()) == batch, kIncreOp,
              ": actualSeqLengths must have one length per batch (", batch, "), got ", kv_lengths.size());
  const bool paged = block_table.defined();
  if (paged) {
    TORCH_CHECK(block_size > 0 && !kv_lengths.empty(), kIncreOp,
                ": a paged cache needs a positive blockSize and actualSeqLengths");
    TORCH_CHECK(block_table.dim() == 2 && block_table.size(0) == batch, kIncreOp,
                ": blocktable must be (B, max blocks), got ", block_table.sizes());
  }
  at::Tensor mask = atten_mask;
  if (mask.defined()) {
    TORCH_CHECK(mask.dim() >= 2 && mask.dim() <= 4 && mask.size(0) == batch, kIncreOp,
                ": attenMask must be (B, S), (B, 1, S) or (B, 1, 1, S), got ", mask.sizes());
    mask = mask.reshape({batch, 1, 1, mask.size(-1)});
  }
  const at::Tensor dense_k = paged ? at::Tensor() : view.toBnsd(key, kv_heads);
  const at::Tensor dense_v = paged ? at::Tensor() : view.toBnsd(value, kv_heads);
  out.zero_();
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t full = paged ? block_table.size(1) * block_size : dense_k.size(2);
    const int64_t kv_len = lengthOf(kIncreOp, kv_lengths, b, full, "actualSeqLengths");
    if (kv_len == 0) continue;
    const at::Tensor k = paged ? pagedKeys(key, block_table, b, kv_len, block_size, layout, kv_heads)
                               : dense_k.narrow(0, b, 1).narrow(2, 0, kv_len);
    const at::Tensor v = paged ? pagedKeys(value, block_table, b, kv_len, block_size, layout, kv_heads)
                               : dense_v.narrow(0, b, 1).narrow(2, 0, kv_len);
    const Problem in = problem(q.narrow(0, b, 1), k, v, at::Tensor(), heads);
    out.narrow(0, b, 1).copy_(forward(in, batchPart(mask, b, 1, kv_len), options).out);
  }
}

}  // namespace npu_sim::aclnn
