//===- OpKernels.cpp - the work each moe op does, as plain data -----------===//
//
// FLOPs are counted as the hardware executes them (2 per multiply-add, the
// causal half of attention, flash attention's backward rerunning QKᵀ);
// bytes are the HBM traffic of bf16 tensors read and written once. A linear
// layer's backward is a data-gradient and a weight-gradient GEMM of the same
// size as its forward. The layout splits work as Megatron-Core does: column-
// then row-parallel linears under TP, sequence-parallel norms, replicated MLA
// down-projections, vocabulary-parallel embedding and loss, token dispatch
// to the expert group, and load-balanced context-parallel attention.
//
//===----------------------------------------------------------------------===//

#include "moeplan/Cost/OpKernels.h"
#include "dialects/moe/MoEConstants.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::moe;

namespace moeplan {
namespace {
constexpr int64_t kBf16 = 2, kFp32 = 4, kIndex = 8;

WorkItem cube(const std::string &name, int64_t m, int64_t n, int64_t k,
              int64_t groups = 1) {
  WorkItem item{WorkItem::Kind::Cube, name};
  item.flops = 2 * m * n * k * groups;
  item.bytes = kBf16 * (m * k + k * n + m * n) * groups;
  item.shape = {m, n, k};
  item.groups = groups;
  return item;
}

WorkItem vector(const std::string &name, int64_t flops, int64_t bytes) {
  WorkItem item{WorkItem::Kind::Vector, name};
  item.flops = flops;
  item.bytes = bytes;
  return item;
}

/// A collective named `<prefix>.<communication>[.bwd]`.
WorkItem collective(StringRef prefix, StringRef communication,
                    CollectiveKind kind, Group group, int64_t bytes,
                    bool backward = false) {
  std::string name = prefix.empty() ? communication.str()
                                    : (prefix + "." + communication).str();
  WorkItem item{WorkItem::Kind::Collective,
                backward ? name + ".bwd" : name};
  item.communication = communication.str();
  item.collective = kind;
  item.group = group;
  item.bytes = bytes;
  return item;
}

/// Builds one op's work; `prefix` names it.
class Builder {
public:
  Builder(OpKernels &out, StringRef prefix, const Sharding &sharding)
      : out(out), prefix(prefix.str()), s(sharding) {
    out.name = this->prefix;
  }

  /// `<prefix>.<part>`, or the prefix alone for an op with one kernel.
  std::string name(StringRef part) const {
    return part.empty() ? prefix : prefix + "." + part.str();
  }

  /// y[m×n] = x[m×k]·W[k×n], per group: forward, then dX and dW. Under
  /// sequence parallelism Megatron gathers a TP region's input again for the
  /// first linear's weight gradient instead of keeping it.
  void linear(StringRef part, int64_t m, int64_t n, int64_t k,
              int64_t groups = 1, bool regatherInput = false,
              int64_t inputBytes = 0) {
    if (onFP8Path())
      out.forward.push_back(quantize(name(part) + ".quantize", m * k * groups));
    out.forward.push_back(gemm(name(part), m, n, k, groups));
    SmallVector<WorkItem, 4> step;
    if (onFP8Path())
      step.push_back(
          quantize(name(part) + ".grad_quantize", m * n * groups));
    step.push_back(gemm(name(part) + ".dgrad", m, k, n, groups));
    if (regatherInput && s.sp && s.tp > 1)
      step.push_back(collective(prefix,
                                part.empty() ? "input_gather"
                                             : part.str() + ".input_gather",
                                CollectiveKind::AllGather, Group::TP,
                                inputBytes));
    step.push_back(gemm(name(part) + ".wgrad", k, n, m, groups));
    backward.push_back(step);
  }

  /// Under FP8 training Transformer Engine runs the linear layers of the
  /// transformer on the FP8 path; attention's score products, the router
  /// and the output layer (Megatron's own ColumnParallelLinear, not a TE
  /// module) stay in bf16.
  bool onFP8Path() const { return s.fp8 && !inAttentionCore && !staysBF16; }

  /// Transformer Engine's cast-transpose: reads a bf16 tensor, takes its
  /// amax and writes it in FP8 twice, row-wise for this GEMM and column-
  /// wise for the weight-gradient GEMM (MXFP8 adds 1/32 in scales).
  WorkItem quantize(const std::string &name, int64_t elements) {
    return vector(name, 2 * elements, (kBf16 + 2) * elements);
  }

  /// A linear layer's GEMM, in FP8 when the precision says so: one-byte
  /// operands, a bf16 result. Weights arrive in FP8 (TE's FP8 parameter
  /// gather), so only activations and gradients are quantised.
  WorkItem gemm(const std::string &name, int64_t m, int64_t n, int64_t k,
                int64_t groups) {
    WorkItem item = cube(name, m, n, k, groups);
    if (onFP8Path()) {
      item.fp8 = true;
      item.bytes = (m * k + k * n + kBf16 * m * n) * groups;
    }
    return item;
  }

  void elementwise(StringRef part, int64_t fwdFlops, int64_t fwdBytes,
                   int64_t bwdFlops, int64_t bwdBytes) {
    out.forward.push_back(vector(name(part), fwdFlops, fwdBytes));
    backward.push_back({vector(name(part) + ".bwd", bwdFlops, bwdBytes)});
  }

  /// A collective in forward and its mirror in backward.
  void exchange(StringRef part, CollectiveKind forward, CollectiveKind back,
                Group group, int64_t bytes) {
    out.forward.push_back(collective(prefix, part, forward, group, bytes));
    backward.push_back(
        {collective(prefix, part, back, group, bytes, /*backward=*/true)});
  }

  /// RMSNorm or LayerNorm over `elements`: read x, write y; backward reads
  /// x and dy and writes dx.
  void norm(StringRef part, int64_t elements, bool layerNorm) {
    int64_t perElement = layerNorm ? 5 : 4;
    elementwise(part, perElement * elements, 2 * kBf16 * elements,
                2 * perElement * elements, 3 * kBf16 * elements);
  }

  void rope(StringRef part, int64_t elements) {
    elementwise(part, 3 * elements, 2 * kBf16 * elements, 3 * elements,
                2 * kBf16 * elements);
  }

  void forwardOnly(WorkItem item) { out.forward.push_back(std::move(item)); }

  /// Entering a TP region of `tokens` × `width` activations: gather the
  /// sequence under SP (reduce-scatter its gradient), or all-reduce the
  /// input gradient without SP.
  void enterTP(int64_t tokens, int64_t width) {
    if (s.tp == 1)
      return;
    int64_t bytes = kBf16 * tokens * width;
    if (s.sp)
      exchange("sp_gather", CollectiveKind::AllGather,
               CollectiveKind::ReduceScatter, Group::TP, bytes);
    else
      backward.push_back({collective(prefix, "input_grad_reduce",
                                     CollectiveKind::AllReduce, Group::TP,
                                     bytes)});
  }

  /// Leaving a TP region: reduce-scatter (SP) or all-reduce the partial sums.
  void exitTP(int64_t tokens, int64_t width) {
    if (s.tp == 1)
      return;
    int64_t bytes = kBf16 * tokens * width;
    if (s.sp)
      exchange("sp_scatter", CollectiveKind::ReduceScatter,
               CollectiveKind::AllGather, Group::TP, bytes);
    else
      forwardOnly(collective(prefix, "output_reduce", CollectiveKind::AllReduce,
                             Group::TP, bytes));
  }

  /// Causal attention of `heads` local query heads over `batch` sequences
  /// of `seq` tokens, this CP rank taking 1/cp of the queries (load-balanced
  /// chunks) against the whole sequence, whose keys and values it gathers.
  void attentionCore(int64_t batch, int64_t seq, int64_t heads,
                     int64_t kvHeads, int64_t qkDim, int64_t vDim) {
    if (s.cp > 1)
      exchange("kv_gather", CollectiveKind::AllGather,
               CollectiveKind::ReduceScatter, Group::CP,
               kBf16 * batch * seq * kvHeads * (qkDim + vDim));
    if (s.unfusedAttention)
      unfusedCore(batch, seq, heads, qkDim, vDim);
    else
      flashCore(batch, seq, heads, kvHeads, qkDim, vDim);
  }

  /// Flash attention: scores never reach HBM; backward recomputes them (five
  /// GEMM-sized products against the forward's two).
  void flashCore(int64_t batch, int64_t seq, int64_t heads, int64_t kvHeads,
                 int64_t qkDim, int64_t vDim) {
    int64_t tokens = batch * seq / s.cp;
    int64_t pairs = seq * (seq + 1) / 2 / s.cp;
    WorkItem forward{WorkItem::Kind::Cube, name("core")};
    forward.flops = 2 * pairs * batch * heads * (qkDim + vDim);
    forward.bytes = kBf16 * tokens * (heads * qkDim + heads * vDim) +
                    kBf16 * batch * seq * kvHeads * (qkDim + vDim) +
                    kFp32 * tokens * heads;
    forward.shape = {seq / s.cp, seq, qkDim + vDim};
    forward.groups = batch * heads;
    forward.isAttentionCore = true;
    forward.flash = true;
    WorkItem back = forward;
    back.name += ".bwd";
    back.flops = forward.flops * 5 / 2;
    back.bytes = 2 * forward.bytes;
    back.isAttentionCore = false;
    out.forward.push_back(forward);
    backward.push_back({back});
  }

  /// Megatron's attention before flash attention: QKᵀ for the whole
  /// (masked, not halved) score matrix written to HBM, the fused
  /// scale-mask-softmax, attention dropout, then the product with V. The
  /// softmax output, dropout mask and dropout output stay for backward
  /// (Korthikanti's 5as/h term) unless selective recompute reruns them.
  void unfusedCore(int64_t batch, int64_t seq, int64_t heads, int64_t qkDim,
                   int64_t vDim) {
    int64_t rows = seq / s.cp, groups = batch * heads;
    int64_t scores = rows * seq * groups;
    auto markCore = [&](size_t from) {
      for (size_t i = from; i < out.forward.size(); ++i)
        out.forward[i].isAttentionCore = true;
    };
    size_t first = out.forward.size();
    // The score products stay in bf16 under FP8 training.
    inAttentionCore = true;
    linear("scores", rows, seq, qkDim, groups);
    elementwise("softmax", 5 * scores, 2 * kBf16 * scores, 6 * scores,
                3 * kBf16 * scores);
    elementwise("dropout", scores, 2 * kBf16 * scores + scores, scores,
                2 * kBf16 * scores + scores);
    linear("context", rows, vDim, seq, groups);
    inAttentionCore = false;
    markCore(first);
    unfusedScores = scores;
  }

  /// Score-matrix elements of an unfused attention core (0 otherwise).
  int64_t unfusedScores = 0;
  /// Set while building attention's score products, which stay in bf16.
  bool inAttentionCore = false;
  /// Set for an op whose linear layers stay in bf16 under FP8.
  bool staysBF16 = false;

  void activation(StringRef part, int64_t elements, Activation act) {
    if (isGated(act)) {
      // Reads gate and up, writes their product; backward reads both and
      // the output gradient, writes both gradients.
      elementwise(part, 6 * elements, 3 * kBf16 * elements, 10 * elements,
                  5 * kBf16 * elements);
      return;
    }
    int64_t flops = act == Activation::GeLU ? 8 : act == Activation::SiLU ? 5 : 1;
    elementwise(part, flops * elements, 2 * kBf16 * elements,
                2 * flops * elements, 3 * kBf16 * elements);
  }

  /// fc1 → activation → fc2 over `m` tokens per group, `ffn` the local width.
  void ffn(int64_t m, int64_t hidden, int64_t ffn, Activation act,
           int64_t groups, int64_t activationElements, bool regatherInput) {
    int64_t width = isGated(act) ? 2 * ffn : ffn;
    linear("fc1", m, width, hidden, groups, regatherInput,
           kBf16 * m * hidden);
    activation("act", activationElements, act);
    linear("fc2", m, hidden, ffn, groups);
  }

  /// Backward steps run in the reverse order of forward; within a step,
  /// the data gradient comes first so the previous op can start sooner.
  void finish() {
    for (const SmallVector<WorkItem, 4> &step : llvm::reverse(backward))
      out.backward.append(step.begin(), step.end());
  }

private:
  OpKernels &out;
  std::string prefix;
  const Sharding &s;
  /// The backward step of each forward item, in forward order.
  SmallVector<SmallVector<WorkItem, 4>, 8> backward;
};

int64_t topKOf(Operation *op) {
  auto layer = op->getParentOfType<DecoderLayerOp>();
  return (*layer.getBody().getOps<RouterOp>().begin()).getTopK();
}

int64_t ceilDiv(double value, int64_t divisor = 1) {
  return std::max<int64_t>(1, int64_t(std::ceil(value / divisor)));
}
} // namespace

OpKernels lowerOpKernels(Operation *op, const MicroBatchShape &shape,
                         const Sharding &s, StringRef prefix) {
  OpKernels out;
  Builder b(out, prefix, s);
  auto model = op->getParentOfType<ModelOp>();
  const int64_t h = model.getHiddenSize(), vocab = model.getVocabSize();
  const int64_t t = s.tp;
  // Tokens of one micro-batch on this CP rank, and the share of them this
  // TP rank holds outside TP regions under sequence parallelism.
  const int64_t T = shape.tokens() / s.cp;
  const int64_t Ts = s.sp ? ceilDiv(double(T), t) : T;
  int64_t params = countOpParameters(op).value_or(OpParams{}).total;
  // Tokens each saved tensor is kept for, by its name within the op (the
  // rest: the rank's sequence share).
  llvm::StringMap<double> savedTokens;
  double splitByTP = double(T) / t;

  llvm::TypeSwitch<Operation *>(op)
      .Case<EmbeddingOp>([&](EmbeddingOp e) {
        // Each TP rank looks up its vocabulary shard; the partial rows are
        // reduced (scattered along the sequence under SP).
        int64_t tables = e.getMaxPositions() ? 2 : 1;
        b.elementwise("lookup", (tables - 1) * T * h,
                      (tables + 1) * kBf16 * T * h + kIndex * T,
                      tables * T * h, (2 * tables + 1) * kBf16 * T * h);
        b.exitTP(T, h);
        out.denseParams = (vocab / t + e.getMaxPositions().value_or(0)) * h;
        savedTokens["token_ids"] = T;
      })
      .Case<NormOp>([&](NormOp n) {
        b.norm("", Ts * h, n.getKind() == NormKind::Layer);
        out.denseParams = params;
      })
      .Case<MTPProjectionOp>([&](auto) {
        // Replicated over TP, on this rank's sequence share.
        b.elementwise("concat", 0, 4 * kBf16 * Ts * h, 0, 4 * kBf16 * Ts * h);
        b.linear("eh_proj", Ts, h, 2 * h);
        out.denseParams = params;
      })
      .Case<AttentionOp>([&](AttentionOp a) {
        int64_t d = a.getHeadDim(), heads = a.getNumHeads() / t,
                kvHeads = a.getNumKvHeads() / t;
        int64_t q = heads * d, kv = kvHeads * d;
        b.enterTP(T, h);
        b.linear("qkv_proj", T, q + 2 * kv, h, 1, true, kBf16 * T * h);
        if (a.getQkNorm())
          b.norm("qk_norm", T * (q + kv), /*layerNorm=*/false);
        b.rope("rope", T * (q + kv));
        b.attentionCore(shape.microBatch, shape.seq, heads, kvHeads, d, d);
        b.linear("out_proj", T, h, q);
        b.exitTP(T, h);
        out.denseParams = params / t;
        for (StringRef name : {"q", "kv", "core_output", "softmax_lse"})
          savedTokens[name] = splitByTP;
      })
      .Case<MLAAttentionOp>([&](MLAAttentionOp a) {
        int64_t n = a.getNumHeads() / t, nope = a.getQkNopeHeadDim(),
                rope = a.getQkRopeHeadDim(), v = a.getVHeadDim(),
                kvLora = a.getKvLoraRank();
        // The down-projections are replicated over TP, on the gathered
        // sequence; the up-projections and the output are split by heads.
        b.enterTP(T, h);
        int64_t replicated = h * (kvLora + rope) + kvLora;
        if (auto qLora = a.getQLoraRank()) {
          b.linear("q_down", T, *qLora, h, 1, true, kBf16 * T * h);
          b.norm("q_norm", T * *qLora, /*layerNorm=*/false);
          b.linear("q_up", T, n * (nope + rope), *qLora);
          replicated += h * *qLora + *qLora;
        } else {
          b.linear("q_proj", T, n * (nope + rope), h, 1, true, kBf16 * T * h);
        }
        b.linear("kv_down", T, kvLora + rope, h);
        b.norm("kv_norm", T * kvLora, /*layerNorm=*/false);
        b.linear("kv_up", T, n * (nope + v), kvLora);
        b.rope("rope", T * (n + 1) * rope);
        b.attentionCore(shape.microBatch, shape.seq, n, n, nope + rope, v);
        b.linear("out_proj", T, h, n * v);
        b.exitTP(T, h);
        out.denseParams = replicated + (params - replicated) / t;
        for (StringRef name :
             {"q_latent", "q_latent_normed", "kv_latent", "kv_latent_normed"})
          savedTokens[name] = T;
        for (StringRef name : {"q", "k", "v", "core_output", "softmax_lse"})
          savedTokens[name] = splitByTP;
      })
      .Case<MLPOp>([&](MLPOp m) {
        int64_t f = m.getFfnSize() / t;
        b.enterTP(T, h);
        b.ffn(T, h, f, m.getActivation(), 1, T * f, true);
        b.exitTP(T, h);
        out.denseParams = params / t;
        savedTokens["act_input"] = savedTokens["fc2_input"] = splitByTP;
      })
      .Case<RouterOp>([&](RouterOp r) {
        // Each rank routes its own sequence share.
        int64_t experts = r.getNumExperts();
        b.staysBF16 = true;
        b.linear("gate", Ts, experts, h);
        b.elementwise("topk", 6 * Ts * experts,
                      2 * kFp32 * Ts * experts + kIndex * Ts * r.getTopK(),
                      4 * Ts * experts, 3 * kFp32 * Ts * experts);
        out.denseParams = params;
      })
      .Case<DispatchOp>([&](DispatchOp d) {
        // Copy each token to its top-k experts, send the copies to the
        // expert group (the busiest receiver decides the time), and gather
        // them over ETP.
        int64_t k = topKOf(d);
        b.elementwise("permute", 0, kBf16 * Ts * h * (1 + k), k * Ts * h,
                      kBf16 * Ts * h * (1 + k));
        int64_t copies = kBf16 * k * Ts * h;
        int64_t received = int64_t(copies * s.imbalance);
        if (s.expertGroup > 1 && s.hierarchicalA2a) {
          // MindSpeed's hierarchical dispatch: every token (with its routing
          // indices and probabilities) crosses to each other node once, then
          // moves to its experts inside the node.
          b.exchange("node_gather", CollectiveKind::AllGather,
                     CollectiveKind::ReduceScatter, Group::EPOuter,
                     s.epOuter * Ts * (kBf16 * h + (kIndex + kFp32) * k));
          b.elementwise("node_filter", 0,
                        kBf16 * s.epOuter * Ts * h + copies, 0,
                        kBf16 * s.epOuter * Ts * h + copies);
          b.exchange("all_to_all", CollectiveKind::AllToAll,
                     CollectiveKind::AllToAll, Group::EPInner, received);
        } else if (s.expertGroup > 1) {
          b.exchange("all_to_all", CollectiveKind::AllToAll,
                     CollectiveKind::AllToAll, Group::EP, received);
        }
        if (s.etp > 1)
          b.exchange("etp_gather", CollectiveKind::AllGather,
                     CollectiveKind::ReduceScatter, Group::ETP,
                     received * s.etp);
        savedTokens["permuted_probs"] = Ts * s.imbalance;
      })
      .Case<ExpertsOp>([&](ExpertsOp e) {
        int64_t k = topKOf(e), experts = e.getNumExperts();
        int64_t local = experts / s.expertGroup, f = e.getFfnSize() / s.etp;
        // Token copies this rank's experts receive: its group's share, the
        // busiest rank's load, gathered over ETP.
        double tokens = double(k) * Ts * s.imbalance * s.etp;
        b.ffn(ceilDiv(tokens, local), h, f, e.getActivation(), local,
              int64_t(tokens) * f, false);
        out.expertParams = params / (s.expertGroup * s.etp);
        savedTokens["fc1_input"] = Ts * s.imbalance * s.etp;
        savedTokens["act_input"] = savedTokens["fc2_input"] =
            Ts * s.imbalance;
      })
      .Case<CombineOp>([&](CombineOp c) {
        int64_t k = topKOf(c);
        int64_t copies = kBf16 * k * Ts * h;
        int64_t received = int64_t(copies * s.imbalance);
        if (s.etp > 1)
          b.exchange("etp_scatter", CollectiveKind::ReduceScatter,
                     CollectiveKind::AllGather, Group::ETP, received * s.etp);
        if (s.expertGroup > 1 && s.hierarchicalA2a) {
          b.exchange("all_to_all", CollectiveKind::AllToAll,
                     CollectiveKind::AllToAll, Group::EPInner, received);
          b.exchange("node_scatter", CollectiveKind::ReduceScatter,
                     CollectiveKind::AllGather, Group::EPOuter,
                     kBf16 * s.epOuter * Ts * h);
        } else if (s.expertGroup > 1) {
          b.exchange("all_to_all", CollectiveKind::AllToAll,
                     CollectiveKind::AllToAll, Group::EP, received);
        }
        b.elementwise("unpermute", 2 * k * Ts * h,
                      kBf16 * Ts * h * (k + 1) + kFp32 * Ts * k,
                      2 * k * Ts * h, kBf16 * Ts * h * (2 * k + 1));
      })
      .Case<SharedExpertsOp>([&](SharedExpertsOp sh) {
        int64_t width = sh.getCount() * sh.getFfnSize() / t;
        b.enterTP(T, h);
        b.ffn(T, h, width, sh.getActivation(), 1, T * width, true);
        b.exitTP(T, h);
        if (sh.getGated()) {
          b.staysBF16 = true;
          b.linear("gate", Ts, 1, h);
          b.elementwise("gate_mul", Ts * h, 3 * kBf16 * Ts * h, 2 * Ts * h,
                        4 * kBf16 * Ts * h);
        }
        out.denseParams = params / t;
        savedTokens["act_input"] = savedTokens["fc2_input"] = splitByTP;
      })
      .Case<LMHeadOp>([&](auto) {
        // Vocabulary-parallel logits over the gathered sequence.
        b.enterTP(T, h);
        b.staysBF16 = true;
        b.linear("", T, vocab / t, h, 1, true, kBf16 * T * h);
        out.denseParams = params / t;
      })
      .Case<LossOp>([&](auto) {
        // Vocabulary-parallel cross-entropy: the row maxima, sums and target
        // logits are all-reduced over TP.
        int64_t v = vocab / t;
        b.elementwise("", 5 * T * v, kBf16 * T * v + kFp32 * T, 3 * T * v,
                      2 * kBf16 * T * v);
        // Backward is local: the softmax minus the one-hot target.
        if (t > 1)
          b.forwardOnly(collective(prefix, "softmax_reduce",
                                   CollectiveKind::AllReduce, Group::TP,
                                   3 * kFp32 * T));
        savedTokens["softmax"] = splitByTP;
      });
  b.finish();
  out.op = op;

  auto memory = op->getAttrOfType<MemoryAttr>(kMemoryAttr);
  auto choiceFor = [&](StringRef tensor) {
    std::optional<MemoryChoice> choice =
        memory ? memory.lookup(tensor) : std::nullopt;
    return choice.value_or(MemoryChoice::Keep);
  };
  if (b.unfusedScores)
    // Softmax output and dropout output (bf16) and the dropout mask (1 B),
    // decided as the attention core's statistics are.
    out.saved.push_back({b.name("attention_scores"),
                         SavedTensorKind::AttentionCore,
                         (2 * kBf16 + 1) * b.unfusedScores,
                         choiceFor("softmax_lse")});
  for (const SavedTensor &tensor : savedTensors(op)) {
    StringRef local = localTensorName(tensor.name);
    // The unfused core keeps the scores instead of flash attention's
    // log-sum-exp.
    if (b.unfusedScores && local == "softmax_lse")
      continue;
    auto tokens = savedTokens.find(local);
    double count = tokens == savedTokens.end() ? Ts : tokens->second;
    out.saved.push_back({b.name(local), tensor.kind,
                         int64_t(std::ceil(tensor.bytesPerToken * count)),
                         choiceFor(local)});
  }
  return out;
}

bool OpKernels::recomputesAny() const {
  return llvm::any_of(saved, [](const SavedSpec &t) {
    return t.choice == MemoryChoice::Recompute;
  });
}

SmallVector<WorkItem, 4> OpKernels::recomputedWork() const {
  SmallVector<WorkItem, 4> work;
  if (!recomputesAny())
    return work;
  bool onlyCore = llvm::all_of(saved, [](const SavedSpec &t) {
    return t.choice != MemoryChoice::Recompute ||
           t.kind == SavedTensorKind::AttentionCore;
  });
  for (const WorkItem &item : forward)
    if (!onlyCore || item.isAttentionCore)
      work.push_back(item);
  return work;
}

Sharding shardingOf(ModelOp model, LayoutAttr layout, int64_t seq,
                    int64_t microBatch, int64_t devicesPerNode,
                    RoutingSkew skew, bool unfusedAttention, bool fp8) {
  Sharding s;
  s.fp8 = fp8;
  s.tp = layout.getTp();
  s.cp = layout.getCp();
  s.sp = layout.isSequenceParallel();
  s.etp = layout.getEtp();
  s.expertGroup = layout.getExpertGroup();
  s.hierarchicalA2a = layout.getHierarchicalA2a();
  s.unfusedAttention = unfusedAttention;
  // The expert group's ranks inside one node (a divisor of the group), and
  // the nodes it spans.
  s.epInner = std::min<int64_t>(
      s.expertGroup, std::max<int64_t>(1, devicesPerNode / s.etp));
  while (s.expertGroup % s.epInner)
    --s.epInner;
  s.epOuter = s.expertGroup / s.epInner;
  int64_t localTokens = seq * microBatch / s.cp / (s.sp ? s.tp : 1);
  model.walk([&](RouterOp router) {
    s.imbalance = std::max(
        s.imbalance, expectedMaxLoadFactor(localTokens * s.expertGroup,
                                           router.getTopK(),
                                           router.getNumExperts(),
                                           s.expertGroup, skew));
  });
  return s;
}

SmallVector<WorkItem, 2> optimizerKernels(int64_t params) {
  // Mixed-precision Adam: fp32 gradients, master weights and moments; the
  // update reads four fp32 values per parameter and writes three, plus the
  // bf16 weight.
  return {vector("optimizer.grad_norm", 2 * params, kFp32 * params),
          vector("optimizer.adam", 12 * params, (7 * kFp32 + kBf16) * params)};
}

} // namespace moeplan
