//===- MoESavedTensors.cpp - the tensors each moe op keeps for backward --===//
//
// What Megatron-Core keeps for backward with flash attention, generalised
// from Korthikanti et al. 2022 to GQA, MLA, SwiGLU and MoE. It belongs to
// the dialect because the decision attribute moe.memory names these
// tensors, and the dialect verifies the names.
//
//===----------------------------------------------------------------------===//

#include "dialects/moe/MoEOps.h"
#include "dialects/moe/MoEConstants.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace mlir::moe {

namespace {
/// The router of the layer holding `op`; null in a layer the verifier will
/// reject for lacking one.
RouterOp routerOf(Operation *op) {
  auto layer = op->getParentOfType<DecoderLayerOp>();
  if (!layer)
    return RouterOp();
  auto routers = layer.getBody().getOps<RouterOp>();
  return routers.empty() ? RouterOp() : *routers.begin();
}

constexpr int64_t kBf16 = 2, kFp32 = 4, kIndex = 8;

/// Bytes per token an FFN of width `ffn` saves: its input, the first
/// projection's output (the activation's input) and the activation's output.
void ffnSaved(SmallVectorImpl<SavedTensor> &out, StringRef prefix, int64_t h,
              int64_t ffn, Activation act, int64_t copies, SavedTensorKind inputKind) {
  int64_t width = isGated(act) ? 2 * ffn : ffn;
  out.push_back({(prefix + ".fc1_input").str(), inputKind, copies * h * kBf16});
  out.push_back({(prefix + ".act_input").str(), SavedTensorKind::Activation,
                 copies * width * kBf16});
  out.push_back({(prefix + ".fc2_input").str(), SavedTensorKind::Projection,
                 copies * ffn * kBf16});
}
} // namespace

SmallVector<SavedTensor> savedTensors(Operation *op) {
  SmallVector<SavedTensor> out;
  if (op->getNumRegions() != 0) {
    op->walk([&](Operation *leaf) {
      if (leaf->getNumRegions() == 0)
        out.append(savedTensors(leaf));
    });
    return out;
  }
  // An op outside a model (which its verifier rejects) saves nothing.
  auto model = op->getParentOfType<ModelOp>();
  if (!model)
    return out;
  int64_t h = model.getHiddenSize();
  llvm::TypeSwitch<Operation *>(op)
      .Case<EmbeddingOp>([&](auto) {
        out.push_back({"embedding.token_ids", SavedTensorKind::LayerInput, kIndex});
      })
      .Case<NormOp>([&](auto) {
        out.push_back({"norm.input", SavedTensorKind::LayerInput, h * kBf16});
        out.push_back({"norm.rstd", SavedTensorKind::NormStats, kFp32});
      })
      .Case<MTPProjectionOp>([&](auto) {
        out.push_back({"mtp_projection.input", SavedTensorKind::LayerInput,
                       2 * h * kBf16});
      })
      .Case<AttentionOp>([&](AttentionOp a) {
        int64_t q = a.getNumHeads() * a.getHeadDim();
        int64_t kv = a.getNumKvHeads() * a.getHeadDim();
        out.push_back({"attention.qkv_input", SavedTensorKind::LayerInput, h * kBf16});
        out.push_back({"attention.q", SavedTensorKind::Projection, q * kBf16});
        out.push_back({"attention.kv", SavedTensorKind::Projection, 2 * kv * kBf16});
        out.push_back({"attention.core_output", SavedTensorKind::Projection,
                       q * kBf16});
        out.push_back({"attention.softmax_lse", SavedTensorKind::AttentionCore,
                       a.getNumHeads() * kFp32});
      })
      .Case<MLAAttentionOp>([&](MLAAttentionOp a) {
        int64_t n = a.getNumHeads();
        int64_t qk = a.getQkNopeHeadDim() + a.getQkRopeHeadDim();
        out.push_back({"mla.down_proj_input", SavedTensorKind::LayerInput, h * kBf16});
        if (auto rank = a.getQLoraRank()) {
          out.push_back({"mla.q_latent", SavedTensorKind::Projection, *rank * kBf16});
          out.push_back({"mla.q_latent_normed", SavedTensorKind::Projection,
                         *rank * kBf16});
        }
        int64_t kvLatent = a.getKvLoraRank() + a.getQkRopeHeadDim();
        out.push_back({"mla.kv_latent", SavedTensorKind::Projection, kvLatent * kBf16});
        out.push_back({"mla.kv_latent_normed", SavedTensorKind::Projection,
                       a.getKvLoraRank() * kBf16});
        out.push_back({"mla.q", SavedTensorKind::MLAUpProj, n * qk * kBf16});
        out.push_back({"mla.k", SavedTensorKind::MLAUpProj, n * qk * kBf16});
        out.push_back({"mla.v", SavedTensorKind::MLAUpProj,
                       n * a.getVHeadDim() * kBf16});
        out.push_back({"mla.core_output", SavedTensorKind::Projection,
                       n * a.getVHeadDim() * kBf16});
        out.push_back({"mla.softmax_lse", SavedTensorKind::AttentionCore, n * kFp32});
      })
      .Case<MLPOp>([&](MLPOp m) {
        ffnSaved(out, "mlp", h, m.getFfnSize(), m.getActivation(), 1,
                 SavedTensorKind::LayerInput);
      })
      .Case<RouterOp>([&](RouterOp r) {
        out.push_back({"router.input", SavedTensorKind::LayerInput, h * kBf16});
        out.push_back({"router.probs", SavedTensorKind::Router,
                       r.getNumExperts() * kFp32});
        out.push_back({"router.routing_map", SavedTensorKind::Router,
                       r.getTopK() * kIndex});
      })
      .Case<DispatchOp>([&](DispatchOp d) {
        RouterOp router = routerOf(d);
        if (!router)
          return;
        out.push_back({"dispatch.permuted_probs", SavedTensorKind::Permuted,
                       router.getTopK() * kFp32});
      })
      .Case<ExpertsOp>([&](ExpertsOp e) {
        RouterOp router = routerOf(e);
        if (!router)
          return;
        ffnSaved(out, "experts", h, e.getFfnSize(), e.getActivation(),
                 router.getTopK(), SavedTensorKind::Permuted);
      })
      .Case<CombineOp>([&](CombineOp c) {
        RouterOp router = routerOf(c);
        if (!router)
          return;
        out.push_back({"combine.expert_output", SavedTensorKind::Permuted,
                       router.getTopK() * h * kBf16});
      })
      .Case<SharedExpertsOp>([&](SharedExpertsOp s) {
        ffnSaved(out, "shared_experts", h, s.getCount() * s.getFfnSize(),
                 s.getActivation(), 1, SavedTensorKind::LayerInput);
      })
      .Case<LMHeadOp>([&](auto) {
        out.push_back({"lm_head.input", SavedTensorKind::LayerInput, h * kBf16});
      })
      .Case<LossOp>([&](auto) {
        auto model = op->getParentOfType<ModelOp>();
        out.push_back({"loss.softmax", SavedTensorKind::Logits,
                       model.getVocabSize() * kFp32});
      });
  return out;
}

int64_t savedBytesPerToken(Operation *op) {
  int64_t sum = 0;
  for (const SavedTensor &t : savedTensors(op))
    sum += t.bytesPerToken;
  return sum;
}

StringRef localTensorName(StringRef name) { return name.split('.').second; }

bool swapsOptimizer(ModelOp model) {
  auto memory = model->getAttrOfType<MemoryAttr>(kMemoryAttr);
  return memory && memory.lookup(kOptimizerState) == MemoryChoice::Swap;
}

bool anyFBOverlap(ModelOp model) {
  bool fb = false;
  model.walk([&](Operation *op) {
    if (auto overlap = op->getAttrOfType<OverlapAttr>(kOverlapAttr))
      for (NamedAttribute entry : overlap.getChoices())
        fb |= cast<OverlapChoiceAttr>(entry.getValue()).getValue() ==
              OverlapChoice::FB;
  });
  return fb;
}

} // namespace mlir::moe
