//===- OpKernels.cpp - the kernels each moe op runs, as plain data --------===//
//
// FLOPs are counted as the hardware executes them (2 per multiply-add, the
// causal half of attention, flash attention's backward rerunning QKᵀ);
// bytes are the HBM traffic of bf16 tensors read and written once. A linear
// layer's backward is a data-gradient and a weight-gradient GEMM of the same
// size as its forward.
//
//===----------------------------------------------------------------------===//

#include "OpKernels.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::moe;

namespace moeplan {
namespace {
constexpr int64_t kBf16 = 2, kFp32 = 4, kIndex = 8;

KernelSpec cube(const std::string &name, int64_t m, int64_t n, int64_t k,
                int64_t groups = 1) {
  KernelSpec spec{KernelSpec::Unit::Cube, name};
  spec.flops = 2 * m * n * k * groups;
  spec.bytes = kBf16 * (m * k + k * n + m * n) * groups;
  spec.shape = {m, n, k};
  spec.groups = groups;
  return spec;
}

KernelSpec vector(const std::string &name, int64_t flops, int64_t bytes) {
  KernelSpec spec{KernelSpec::Unit::Vector, name};
  spec.flops = flops;
  spec.bytes = bytes;
  return spec;
}

/// Builds one op's kernels; `prefix` names them.
class Builder {
public:
  Builder(OpKernels &out, StringRef prefix) : out(out), prefix(prefix.str()) {
    out.name = this->prefix;
  }

  /// `<prefix>.<part>`, or the prefix alone for an op with one kernel.
  std::string name(StringRef part) const {
    return part.empty() ? prefix : prefix + "." + part.str();
  }

  /// y[m×n] = x[m×k]·W[k×n], per group: forward, then dX and dW in backward.
  void linear(StringRef part, int64_t m, int64_t n, int64_t k,
              int64_t groups = 1) {
    out.forward.push_back(cube(name(part), m, n, k, groups));
    backward.push_back({cube(name(part) + ".dgrad", m, k, n, groups),
                        cube(name(part) + ".wgrad", k, n, m, groups)});
  }

  void elementwise(StringRef part, int64_t fwdFlops, int64_t fwdBytes,
                   int64_t bwdFlops, int64_t bwdBytes) {
    out.forward.push_back(vector(name(part), fwdFlops, fwdBytes));
    backward.push_back({vector(name(part) + ".bwd", bwdFlops, bwdBytes)});
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

  /// Causal flash attention over `batch` sequences of `seq` tokens. The
  /// scores are never written to HBM; backward recomputes them (five
  /// GEMM-sized products against the forward's two).
  void flashAttention(int64_t batch, int64_t seq, int64_t heads,
                      int64_t kvHeads, int64_t qkDim, int64_t vDim) {
    int64_t pairs = seq * (seq + 1) / 2;
    int64_t tokens = batch * seq;
    KernelSpec forward{KernelSpec::Unit::Cube, name("core")};
    forward.flops = 2 * pairs * batch * heads * (qkDim + vDim);
    forward.bytes = kBf16 * tokens *
                        (heads * qkDim + kvHeads * (qkDim + vDim) +
                         heads * vDim) +
                    kFp32 * tokens * heads;
    forward.shape = {seq, seq, qkDim + vDim};
    forward.groups = batch * heads;
    forward.isAttentionCore = true;
    KernelSpec back = forward;
    back.name += ".bwd";
    back.flops = forward.flops * 5 / 2;
    back.bytes = 2 * forward.bytes;
    back.isAttentionCore = false;
    out.forward.push_back(forward);
    backward.push_back({back});
  }

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

  /// fc1 → activation → fc2 over `m` tokens per group.
  void ffn(StringRef part, int64_t m, int64_t hidden, int64_t ffn,
           Activation act, int64_t groups, int64_t activationElements) {
    int64_t width = isGated(act) ? 2 * ffn : ffn;
    auto join = [&](StringRef leaf) {
      return part.empty() ? leaf.str() : (part + "." + leaf).str();
    };
    linear(join("fc1"), m, width, hidden, groups);
    activation(join("act"), activationElements, act);
    linear(join("fc2"), m, hidden, ffn, groups);
  }

  /// Backward steps run in the reverse order of forward; within a step,
  /// the data gradient comes first so the previous op can start sooner.
  void finish() {
    for (const SmallVector<KernelSpec, 2> &step : llvm::reverse(backward))
      out.backward.append(step.begin(), step.end());
  }

private:
  OpKernels &out;
  std::string prefix;
  /// The backward step of each forward kernel, in forward order.
  SmallVector<SmallVector<KernelSpec, 2>> backward;
};

int64_t topKOf(Operation *op) {
  auto layer = op->getParentOfType<DecoderLayerOp>();
  return (*layer.getBody().getOps<RouterOp>().begin()).getTopK();
}
} // namespace

OpKernels lowerOpKernels(Operation *op, const MicroBatchShape &shape,
                         StringRef prefix) {
  OpKernels out;
  Builder b(out, prefix);
  auto model = op->getParentOfType<ModelOp>();
  const int64_t h = model.getHiddenSize(), vocab = model.getVocabSize();
  const int64_t T = shape.tokens();

  llvm::TypeSwitch<Operation *>(op)
      .Case<EmbeddingOp>([&](EmbeddingOp e) {
        // Gather rows (plus learned positions); backward scatter-adds.
        int64_t tables = e.getMaxPositions() ? 2 : 1;
        b.elementwise("lookup", (tables - 1) * T * h,
                      (tables + 1) * kBf16 * T * h + kIndex * T,
                      tables * T * h, (2 * tables + 1) * kBf16 * T * h);
      })
      .Case<NormOp>([&](NormOp n) {
        b.norm("", T * h, n.getKind() == NormKind::Layer);
      })
      .Case<MTPProjectionOp>([&](auto) {
        b.elementwise("concat", 0, 4 * kBf16 * T * h, 0, 4 * kBf16 * T * h);
        b.linear("eh_proj", T, h, 2 * h);
      })
      .Case<AttentionOp>([&](AttentionOp a) {
        int64_t d = a.getHeadDim(), q = a.getNumHeads() * d,
                kv = a.getNumKvHeads() * d;
        b.linear("qkv_proj", T, q + 2 * kv, h);
        if (a.getQkNorm())
          b.norm("qk_norm", T * (q + kv), /*layerNorm=*/false);
        b.rope("rope", T * (q + kv));
        b.flashAttention(shape.microBatch, shape.seq, a.getNumHeads(),
                         a.getNumKvHeads(), d, d);
        b.linear("out_proj", T, h, q);
      })
      .Case<MLAAttentionOp>([&](MLAAttentionOp a) {
        int64_t n = a.getNumHeads(), nope = a.getQkNopeHeadDim(),
                rope = a.getQkRopeHeadDim(), v = a.getVHeadDim(),
                kvLora = a.getKvLoraRank();
        if (auto qLora = a.getQLoraRank()) {
          b.linear("q_down", T, *qLora, h);
          b.norm("q_norm", T * *qLora, /*layerNorm=*/false);
          b.linear("q_up", T, n * (nope + rope), *qLora);
        } else {
          b.linear("q_proj", T, n * (nope + rope), h);
        }
        b.linear("kv_down", T, kvLora + rope, h);
        b.norm("kv_norm", T * kvLora, /*layerNorm=*/false);
        b.linear("kv_up", T, n * (nope + v), kvLora);
        b.rope("rope", T * (n + 1) * rope);
        b.flashAttention(shape.microBatch, shape.seq, n, n, nope + rope, v);
        b.linear("out_proj", T, h, n * v);
      })
      .Case<MLPOp>([&](MLPOp m) {
        b.ffn("", T, h, m.getFfnSize(), m.getActivation(), 1,
              T * m.getFfnSize());
      })
      .Case<RouterOp>([&](RouterOp r) {
        int64_t experts = r.getNumExperts();
        b.linear("gate", T, experts, h);
        b.elementwise("topk", 6 * T * experts,
                      2 * kFp32 * T * experts + kIndex * T * r.getTopK(),
                      4 * T * experts, 3 * kFp32 * T * experts);
      })
      .Case<DispatchOp>([&](DispatchOp d) {
        // Each token is copied to its top-k experts; backward sums them.
        int64_t k = topKOf(d);
        b.elementwise("permute", 0, kBf16 * T * h * (1 + k), k * T * h,
                      kBf16 * T * h * (1 + k));
      })
      .Case<ExpertsOp>([&](ExpertsOp e) {
        int64_t k = topKOf(e), experts = e.getNumExperts();
        // Balanced routing: T·k token copies spread over the experts.
        int64_t perExpert = std::max<int64_t>(1, (T * k + experts - 1) / experts);
        b.ffn("", perExpert, h, e.getFfnSize(), e.getActivation(),
              experts, T * k * e.getFfnSize());
      })
      .Case<CombineOp>([&](CombineOp c) {
        int64_t k = topKOf(c);
        b.elementwise("unpermute", 2 * k * T * h,
                      kBf16 * T * h * (k + 1) + kFp32 * T * k, 2 * k * T * h,
                      kBf16 * T * h * (2 * k + 1));
      })
      .Case<SharedExpertsOp>([&](SharedExpertsOp s) {
        int64_t width = s.getCount() * s.getFfnSize();
        b.ffn("", T, h, width, s.getActivation(), 1, T * width);
        if (s.getGated()) {
          b.linear("gate", T, 1, h);
          b.elementwise("gate_mul", T * h, 3 * kBf16 * T * h, 2 * T * h,
                        4 * kBf16 * T * h);
        }
      })
      .Case<LMHeadOp>([&](auto) { b.linear("", T, vocab, h); })
      .Case<LossOp>([&](auto) {
        b.elementwise("", 5 * T * vocab,
                      kBf16 * T * vocab + kFp32 * T, 3 * T * vocab,
                      2 * kBf16 * T * vocab);
      });
  b.finish();

  for (const SavedTensor &t : savedTensors(op)) {
    // Saved-tensor names already say which op they belong to.
    std::string local = t.name.substr(t.name.find('.') + 1);
    out.saved.push_back({b.name(local), t.kind, t.bytesPerToken * T});
  }
  return out;
}

SmallVector<KernelSpec> optimizerKernels(int64_t params) {
  // Mixed-precision Adam: fp32 gradients, master weights and moments; the
  // update reads four fp32 values per parameter and writes three, plus the
  // bf16 weight.
  return {vector("optimizer.grad_norm", 2 * params, kFp32 * params),
          vector("optimizer.adam", 12 * params, (7 * kFp32 + kBf16) * params)};
}

} // namespace moeplan
