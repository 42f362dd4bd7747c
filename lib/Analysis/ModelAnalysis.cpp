//===- ModelAnalysis.cpp - parameters, FLOPs and saved tensors ------------===//
//
// Parameter counts follow the Hugging Face module structure of each op (the
// numbers publishers report); FLOPs follow the named published conventions;
// saved tensors follow what Megatron-Core keeps for backward with flash
// attention, generalised from Korthikanti et al. 2022 to GQA, MLA, SwiGLU
// and MoE.
//
//===----------------------------------------------------------------------===//

#include "moeplan/Analysis/ModelAnalysis.h"

#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::moe;

namespace moeplan {

namespace {
/// Checked 64-bit arithmetic: the first overflow sticks, so a long sum can
/// be written plainly and tested once at the end.
struct Count {
  int64_t value = 0;
  bool overflow = false;

  Count() = default;
  Count(int64_t v) : value(v) {}

  Count operator+(Count other) const { return combine(other, llvm::AddOverflow<int64_t>); }
  Count operator*(Count other) const { return combine(other, llvm::MulOverflow<int64_t>); }

private:
  template <typename Fn> Count combine(Count other, Fn fn) const {
    Count result;
    result.overflow = overflow || other.overflow ||
                      fn(value, other.value, result.value);
    return result;
  }
};

int64_t hiddenOf(Operation *op) {
  auto model = isa<ModelOp>(op) ? cast<ModelOp>(op) : op->getParentOfType<ModelOp>();
  return model.getHiddenSize();
}

/// Parameters of one expert-shaped feed-forward block.
Count ffnParams(int64_t hidden, int64_t ffn, Activation act) {
  return Count(isGated(act) ? 3 : 2) * hidden * ffn;
}

/// Total and active parameters of a leaf op, as checked counts.
std::pair<Count, Count> leafParams(Operation *op) {
  Count h = hiddenOf(op);
  Count none;
  auto same = [](Count c) { return std::make_pair(c, c); };
  return llvm::TypeSwitch<Operation *, std::pair<Count, Count>>(op)
      .Case<EmbeddingOp>([&](EmbeddingOp e) {
        auto model = e->getParentOfType<ModelOp>();
        Count rows = Count(model.getVocabSize()) +
                     Count(e.getMaxPositions().value_or(0));
        return same(rows * h);
      })
      .Case<LMHeadOp>([&](LMHeadOp head) {
        auto model = head->getParentOfType<ModelOp>();
        if (model.getTieWordEmbeddings())
          return same(none);
        return same(Count(model.getVocabSize()) * h);
      })
      .Case<NormOp>([&](NormOp norm) {
        return same(norm.getKind() == NormKind::RMS ? h : h * 2);
      })
      .Case<MTPProjectionOp>([&](auto) { return same(h * h * 2); })
      .Case<AttentionOp>([&](AttentionOp a) {
        Count q = Count(a.getNumHeads()) * a.getHeadDim();
        Count kv = Count(a.getNumKvHeads()) * a.getHeadDim();
        Count params = h * (q + kv * 2) + q * h;
        if (a.getQkvBias())
          params = params + q + kv * 2;
        if (a.getOutBias())
          params = params + h;
        if (a.getQkNorm())
          params = params + Count(a.getHeadDim()) * 2;
        return same(params);
      })
      .Case<MLAAttentionOp>([&](MLAAttentionOp a) {
        Count heads = a.getNumHeads();
        Count qkHead = Count(a.getQkNopeHeadDim()) + a.getQkRopeHeadDim();
        Count qProj = heads * qkHead;
        Count q = h * qProj; // direct projection without compression
        if (auto rank = a.getQLoraRank())
          q = h * *rank + Count(*rank) + Count(*rank) * qProj;
        Count kvLora = a.getKvLoraRank();
        Count kv = h * (kvLora + a.getQkRopeHeadDim()) + kvLora +
                   kvLora * heads * (Count(a.getQkNopeHeadDim()) + a.getVHeadDim());
        Count out = heads * a.getVHeadDim() * h;
        return same(q + kv + out);
      })
      .Case<MLPOp>([&](MLPOp m) {
        Count params = ffnParams(h.value, m.getFfnSize(), m.getActivation());
        if (m.getBias())
          params = params + Count(m.getFfnSize()) * (isGated(m.getActivation()) ? 2 : 1) + h;
        return same(params);
      })
      .Case<RouterOp>([&](RouterOp r) { return same(h * r.getNumExperts()); })
      .Case<ExpertsOp>([&](ExpertsOp e) {
        Count one = ffnParams(h.value, e.getFfnSize(), e.getActivation());
        auto layer = e->getParentOfType<DecoderLayerOp>();
        int64_t topK = (*layer.getBody().getOps<RouterOp>().begin()).getTopK();
        return std::make_pair(one * e.getNumExperts(), one * topK);
      })
      .Case<SharedExpertsOp>([&](SharedExpertsOp s) {
        Count params = ffnParams(h.value, s.getFfnSize(), s.getActivation()) *
                       s.getCount();
        if (s.getGated())
          params = params + h;
        return same(params);
      })
      .Default([&](Operation *) { return same(none); });
}

std::pair<Count, Count> opParams(Operation *op) {
  if (op->getNumRegions() == 0)
    return leafParams(op);
  std::pair<Count, Count> sum;
  op->walk([&](Operation *leaf) {
    if (leaf->getNumRegions() != 0)
      return;
    auto [total, active] = leafParams(leaf);
    sum.first = sum.first + total;
    sum.second = sum.second + active;
  });
  return sum;
}

InFlightDiagnostic overflowError(Operation *op) {
  return op->emitError() << "parameter count overflows 64 bits; check the "
                            "sizes of this op";
}
} // namespace

FailureOr<OpParams> countOpParameters(Operation *op) {
  auto [total, active] = opParams(op);
  if (total.overflow || active.overflow)
    return overflowError(op);
  return OpParams{total.value, active.value};
}

FailureOr<ParamCounts> countParameters(ModelOp model) {
  Count total, active, embedding, head, routed, mtp, mtpActive;
  for (Operation &op : model.getBody().front()) {
    auto [opTotal, opActive] = opParams(&op);
    if (isa<MTPLayerOp>(op)) {
      mtp = mtp + opTotal;
      mtpActive = mtpActive + opActive;
      continue;
    }
    total = total + opTotal;
    if (isa<EmbeddingOp>(op))
      embedding = opTotal;
    else
      active = active + opActive;
    if (isa<LMHeadOp>(op))
      head = opTotal;
    if (auto layer = dyn_cast<DecoderLayerOp>(op))
      for (ExpertsOp experts : layer.getBody().getOps<ExpertsOp>())
        routed = routed + leafParams(experts).first;
  }
  for (const Count &c : {total, active, embedding, head, routed, mtp, mtpActive})
    if (c.overflow)
      return overflowError(model);
  return ParamCounts{total.value, active.value, embedding.value,
                     head.value,  routed.value, mtp.value,
                     mtpActive.value};
}

//===----------------------------------------------------------------------===//
// FLOPs
//===----------------------------------------------------------------------===//

static constexpr FlopsConvention kConventions[] = {
    FlopsConvention::MegatronCore, FlopsConvention::MegatronCoreLegacy,
    FlopsConvention::NarayananHardware, FlopsConvention::PaLM,
    FlopsConvention::ActiveParams};

ArrayRef<FlopsConvention> allFlopsConventions() { return kConventions; }

StringRef stringifyFlopsConvention(FlopsConvention convention) {
  switch (convention) {
  case FlopsConvention::MegatronCore:
    return "megatron-core";
  case FlopsConvention::MegatronCoreLegacy:
    return "megatron-core-legacy";
  case FlopsConvention::NarayananHardware:
    return "narayanan-hardware";
  case FlopsConvention::PaLM:
    return "palm";
  case FlopsConvention::ActiveParams:
    return "6n-active";
  }
  llvm_unreachable("unknown FLOPs convention");
}

std::optional<FlopsConvention> parseFlopsConvention(StringRef name) {
  for (FlopsConvention c : kConventions)
    if (stringifyFlopsConvention(c) == name)
      return c;
  return std::nullopt;
}

namespace {
/// Forward multiply-accumulate counts per token of one decoder layer, split
/// as the conventions need them: weight GEMMs, and the two attention GEMMs
/// (QK^T and AV) before any causal halving.
struct LayerMacs {
  double gemm = 0;
  double attention = 0;
};

/// GEMM MACs per token as Megatron-Core counts them: projections and expert
/// FFNs, and for MLA the latent norms (the "+1" terms); biases, plain norms
/// and routers are not counted.
LayerMacs layerMacs(DecoderLayerOp layer, int64_t seq) {
  double h = layer.getModel().getHiddenSize();
  double s = seq;
  LayerMacs macs;
  int64_t topK = 0;
  for (Operation &op : layer.getBody().front()) {
    llvm::TypeSwitch<Operation *>(&op)
        .Case<AttentionOp>([&](AttentionOp a) {
          double q = double(a.getNumHeads()) * a.getHeadDim();
          double kv = double(a.getNumKvHeads()) * a.getHeadDim();
          macs.gemm += h * (q + 2 * kv) + q * h;
          macs.attention += 2 * q * s;
        })
        .Case<MLAAttentionOp>([&](MLAAttentionOp a) {
          double n = a.getNumHeads();
          double nope = a.getQkNopeHeadDim(), rope = a.getQkRopeHeadDim();
          double v = a.getVHeadDim(), kvLora = a.getKvLoraRank();
          if (auto rank = a.getQLoraRank())
            macs.gemm += double(*rank) * (h + n * (nope + rope) + 1);
          else
            macs.gemm += h * n * (nope + rope);
          macs.gemm += kvLora * (h + n * (nope + v) + 1) + h * rope +
                       n * v * h;
          macs.attention += s * n * (nope + rope) + s * n * v;
        })
        .Case<MLPOp>([&](MLPOp m) {
          macs.gemm += h * m.getFfnSize() * (isGated(m.getActivation()) ? 3 : 2);
        })
        .Case<RouterOp>([&](RouterOp r) { topK = r.getTopK(); })
        .Case<ExpertsOp>([&](ExpertsOp e) {
          macs.gemm += h * e.getFfnSize() * double(topK) *
                       (isGated(e.getActivation()) ? 3 : 2);
        })
        .Case<SharedExpertsOp>([&](SharedExpertsOp e) {
          macs.gemm += h * e.getFfnSize() * double(e.getCount()) *
                       (isGated(e.getActivation()) ? 3 : 2);
        });
  }
  return macs;
}
} // namespace

FailureOr<double> flopsPerToken(ModelOp model, int64_t seq,
                                FlopsConvention convention) {
  FailureOr<ParamCounts> params = countParameters(model);
  if (failed(params))
    return failure();
  double h = model.getHiddenSize(), vocab = model.getVocabSize();

  // Forward GEMM MACs of the layers (MTP blocks included) and of attention.
  LayerMacs layers;
  double mtpExtra = 0; // MTP norms and 2h->h projection, as Megatron counts
  int64_t mtpCount = 0;
  auto addLayer = [&](DecoderLayerOp layer) {
    LayerMacs m = layerMacs(layer, seq);
    layers.gemm += m.gemm;
    layers.attention += m.attention;
  };
  for (DecoderLayerOp layer : model.getDecoderLayers())
    addLayer(layer);
  for (MTPLayerOp mtp : model.getMTPLayers()) {
    addLayer(mtp.getDecoderLayer());
    mtpExtra += 3 * h + 2 * h * h;
    ++mtpCount;
  }
  double logits = h * vocab * double(1 + mtpCount);

  // 6 = 2 FLOPs per MAC × 3 (forward, backward data and weight gradients).
  switch (convention) {
  case FlopsConvention::MegatronCore:
    return 6 * (layers.gemm + layers.attention / 2 + mtpExtra + logits);
  case FlopsConvention::MegatronCoreLegacy:
    return 6 * (layers.gemm + layers.attention + mtpExtra + logits);
  case FlopsConvention::NarayananHardware:
    // Full recompute runs each layer's forward again: 4 passes instead of 3.
    return 8 * (layers.gemm + layers.attention + mtpExtra) + 6 * logits;
  case FlopsConvention::PaLM: {
    double attention = 0;
    for (DecoderLayerOp layer : model.getDecoderLayers())
      attention += layerMacs(layer, seq).attention;
    // 12·L·H·Q·T: QK^T and AV of every head over the whole sequence, ×6.
    return 6 * double(params->active) + 6 * attention;
  }
  case FlopsConvention::ActiveParams:
    return 6 * double(params->active);
  }
  llvm_unreachable("unknown FLOPs convention");
}

std::string layerName(Operation *layer) {
  if (auto mtp = dyn_cast<MTPLayerOp>(layer))
    return "mtp" + std::to_string(mtp.getIndex());
  auto decoder = cast<DecoderLayerOp>(layer);
  if (auto mtp = dyn_cast<MTPLayerOp>(decoder->getParentOp()))
    return "mtp" + std::to_string(mtp.getIndex());
  return (decoder.isMoE() ? "moe" : "dense") + std::to_string(decoder.getIndex());
}

std::string unitName(Operation *topLevelOp) {
  if (isa<DecoderLayerOp, MTPLayerOp>(topLevelOp))
    return layerName(topLevelOp);
  if (isa<NormOp>(topLevelOp))
    return "final_norm";
  return topLevelOp->getName().stripDialect().str();
}

} // namespace moeplan
