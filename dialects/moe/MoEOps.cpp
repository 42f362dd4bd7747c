//===- MoEOps.cpp - verifiers of the moe dialect --------------------------===//
//
// Sizes are checked by ODS constraints (MoE_Size); these verifiers check what
// relates several fields or ops. Every message names the field or the op, so
// that a model written by hand or imported from a config can be fixed from it.
//
//===----------------------------------------------------------------------===//

#include "dialects/moe/MoEOps.h"
#include "dialects/moe/MoEConstants.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::moe;

#define GET_OP_CLASSES
#include "dialects/moe/MoEOps.cpp.inc"

//===----------------------------------------------------------------------===//
// ModelOp
//===----------------------------------------------------------------------===//

namespace {
/// The parts of a model, in the order they must appear.
enum class ModelPart { Embedding, Layers, FinalNorm, MTP, Head, Loss };
} // namespace

static StringRef describe(ModelPart part) {
  switch (part) {
  case ModelPart::Embedding:
    return "'moe.embedding'";
  case ModelPart::Layers:
    return "'moe.decoder_layer'";
  case ModelPart::FinalNorm:
    return "final 'moe.norm'";
  case ModelPart::MTP:
    return "'moe.mtp_layer'";
  case ModelPart::Head:
    return "'moe.lm_head'";
  case ModelPart::Loss:
    return "'moe.loss'";
  }
  llvm_unreachable("unknown model part");
}

LogicalResult ModelOp::verifyRegions() {
  static constexpr StringLiteral kOrder =
      "a model is: embedding, decoder layers, final norm, MTP layers, "
      "lm_head, loss";
  int64_t counts[6] = {0, 0, 0, 0, 0, 0};
  int last = 0;
  for (Operation &op : getBody().front()) {
    std::optional<ModelPart> part =
        llvm::TypeSwitch<Operation *, std::optional<ModelPart>>(&op)
            .Case<EmbeddingOp>([](auto) { return ModelPart::Embedding; })
            .Case<DecoderLayerOp>([](auto) { return ModelPart::Layers; })
            .Case<NormOp>([](auto) { return ModelPart::FinalNorm; })
            .Case<MTPLayerOp>([](auto) { return ModelPart::MTP; })
            .Case<LMHeadOp>([](auto) { return ModelPart::Head; })
            .Case<LossOp>([](auto) { return ModelPart::Loss; })
            .Default([](auto) { return std::nullopt; });
    if (!part)
      return op.emitOpError("is not allowed directly in a 'moe.model'");
    int index = static_cast<int>(*part);
    if (index < last)
      return op.emitOpError() << "is out of order: " << kOrder;
    last = index;
    bool repeatable = *part == ModelPart::Layers || *part == ModelPart::MTP;
    if (!repeatable && counts[index] == 1)
      return op.emitOpError() << "appears twice; a model has one "
                              << describe(*part);
    // Layers are numbered in order, so that names such as moe3 are stable.
    if (auto layer = dyn_cast<DecoderLayerOp>(op);
        layer && layer.getIndex() != counts[index])
      return layer.emitOpError() << "has index " << layer.getIndex()
                                 << ", expected " << counts[index]
                                 << " (decoder layers are numbered from 0)";
    if (auto mtp = dyn_cast<MTPLayerOp>(op);
        mtp && mtp.getIndex() != counts[index])
      return mtp.emitOpError() << "has index " << mtp.getIndex()
                               << ", expected " << counts[index]
                               << " (MTP layers are numbered from 0)";
    ++counts[index];
  }
  for (ModelPart part : {ModelPart::Embedding, ModelPart::Layers,
                         ModelPart::FinalNorm, ModelPart::Head,
                         ModelPart::Loss})
    if (counts[static_cast<int>(part)] == 0)
      return emitOpError() << "has no " << describe(part) << "; " << kOrder;
  return verifyPlacements();
}

/// Placements set on the units follow Megatron's rules: in the pipeline
/// layout's order (embedding, decoder layers, MTP layers, then the final
/// norm, head and loss) the virtual stages never go back, the embedding
/// opens the first, the final norm, head and loss close the last, and MTP
/// layers sit in a last chunk. Checked once the layout gives PP and VPP.
LogicalResult ModelOp::verifyPlacements() {
  auto layout = (*this)->getAttrOfType<LayoutAttr>(kLayoutAttr);
  if (!layout || !layout.getPp() || !layout.getVpp())
    return success();
  const int64_t pp = layout.getPp(), stages = pp * layout.getVpp();
  SmallVector<Operation *> order;
  for (Operation &op : getBody().front())
    if (!isa<NormOp, LMHeadOp, LossOp>(op))
      order.push_back(&op);
  for (Operation &op : getBody().front())
    if (isa<NormOp, LMHeadOp, LossOp>(op))
      order.push_back(&op);
  std::optional<int64_t> previous;
  for (Operation *op : order) {
    auto placement = op->getAttrOfType<PlacementAttr>(kPlacementAttr);
    if (!placement)
      continue;
    int64_t v = placement.getChunk() * pp + placement.getStage();
    auto diag = [&]() {
      return op->emitOpError()
             << "is placed on stage " << placement.getStage() << ", chunk "
             << placement.getChunk() << " (virtual stage " << v << "), but ";
    };
    if (placement.getStage() >= pp || placement.getChunk() >= layout.getVpp())
      return diag() << "the layout has " << pp << " pipeline stages of "
                    << layout.getVpp() << " chunks each";
    if (isa<EmbeddingOp>(op) && v != 0)
      return diag() << "the embedding opens the first virtual stage";
    if (isa<NormOp, LMHeadOp, LossOp>(op) && v != stages - 1)
      return diag() << "the final norm, head and loss close the last virtual "
                       "stage ("
                    << stages - 1 << ")";
    if (isa<MTPLayerOp>(op) && v < stages - pp)
      return diag() << "MTP layers belong to a rank's last chunk ("
                    << layout.getVpp() - 1 << ")";
    if (previous && v < *previous)
      return diag() << "a unit before it in the pipeline layout's order is "
                       "placed on virtual stage "
                    << *previous;
    previous = v;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// DecoderLayerOp
//===----------------------------------------------------------------------===//

LogicalResult DecoderLayerOp::verifyRegions() {
  int attention = 0, mlp = 0, router = 0, dispatch = 0, experts = 0,
      combine = 0, shared = 0;
  // The feed-forward ops must follow attention, and the MoE ops their order.
  Operation *previousMoE = nullptr;
  for (Operation &op : getBody().front()) {
    if (isa<NormOp>(op))
      continue;
    if (isa<AttentionOp, MLAAttentionOp>(op)) {
      ++attention;
      continue;
    }
    if (!attention)
      return op.emitOpError("must follow the layer's attention op");
    if (isa<MLPOp>(op)) {
      ++mlp;
      continue;
    }
    if (isa<SharedExpertsOp>(op)) {
      ++shared;
      continue;
    }
    int *count = llvm::TypeSwitch<Operation *, int *>(&op)
                     .Case<RouterOp>([&](auto) { return &router; })
                     .Case<DispatchOp>([&](auto) { return &dispatch; })
                     .Case<ExpertsOp>([&](auto) { return &experts; })
                     .Case<CombineOp>([&](auto) { return &combine; })
                     .Default([](auto) { return nullptr; });
    if (!count)
      return op.emitOpError("is not allowed in a 'moe.decoder_layer'");
    bool inOrder = llvm::TypeSwitch<Operation *, bool>(&op)
                       .Case<RouterOp>([&](auto) { return !previousMoE; })
                       .Case<DispatchOp>([&](auto) {
                         return previousMoE && isa<RouterOp>(previousMoE);
                       })
                       .Case<ExpertsOp>([&](auto) {
                         return previousMoE && isa<DispatchOp>(previousMoE);
                       })
                       .Case<CombineOp>([&](auto) {
                         return previousMoE && isa<ExpertsOp>(previousMoE);
                       });
    if (!inOrder)
      return op.emitOpError("is out of order: an MoE block is router, "
                            "dispatch, experts, combine");
    previousMoE = &op;
    ++*count;
  }
  if (attention != 1)
    return emitOpError() << "needs exactly one attention op ('moe.attention' "
                            "or 'moe.mla_attention'), found "
                         << attention;
  bool isMoEBlock = router || dispatch || experts || combine;
  if (mlp && (isMoEBlock || shared))
    return emitOpError("has both a dense 'moe.mlp' and MoE ops; a layer is "
                       "either dense or MoE");
  if (mlp > 1)
    return emitOpError() << "has " << mlp << " 'moe.mlp' ops, expected one";
  if (!mlp && !isMoEBlock)
    return emitOpError("has no feed-forward part: add a 'moe.mlp' or a "
                       "router, dispatch, experts, combine sequence");
  if (isMoEBlock && combine != 1)
    return emitOpError("has an incomplete MoE block: expected one each of "
                       "'moe.router', 'moe.dispatch', 'moe.experts', "
                       "'moe.combine'");
  if (shared > 1)
    return emitOpError() << "has " << shared
                         << " 'moe.shared_experts' ops; use one with count = "
                            "N";
  if (isMoEBlock) {
    auto routerOp = *getBody().getOps<RouterOp>().begin();
    auto expertsOp = *getBody().getOps<ExpertsOp>().begin();
    if (routerOp.getNumExperts() != expertsOp.getNumExperts())
      return routerOp.emitOpError()
             << "routes over " << routerOp.getNumExperts()
             << " experts but the layer's 'moe.experts' has "
             << expertsOp.getNumExperts();
  }
  return success();
}

bool DecoderLayerOp::isMoE() { return !getBody().getOps<RouterOp>().empty(); }

ModelOp DecoderLayerOp::getModel() {
  return (*this)->getParentOfType<ModelOp>();
}

//===----------------------------------------------------------------------===//
// MTPLayerOp
//===----------------------------------------------------------------------===//

LogicalResult MTPLayerOp::verifyRegions() {
  int projections = 0, layers = 0;
  for (Operation &op : getBody().front()) {
    if (isa<MTPProjectionOp>(op)) {
      ++projections;
    } else if (isa<DecoderLayerOp>(op)) {
      if (!projections)
        return op.emitOpError("must follow the MTP layer's "
                              "'moe.mtp_projection'");
      ++layers;
    } else if (!isa<NormOp>(op)) {
      return op.emitOpError("is not allowed in a 'moe.mtp_layer'");
    }
  }
  if (projections != 1 || layers != 1)
    return emitOpError() << "needs one 'moe.mtp_projection' and one "
                            "'moe.decoder_layer', found "
                         << projections << " and " << layers;
  return success();
}

DecoderLayerOp MTPLayerOp::getDecoderLayer() {
  return *getBody().getOps<DecoderLayerOp>().begin();
}

//===----------------------------------------------------------------------===//
// Leaf ops
//===----------------------------------------------------------------------===//

LogicalResult AttentionOp::verify() {
  if (getNumHeads() % getNumKvHeads() != 0)
    return emitOpError() << "'num_heads' (" << getNumHeads()
                         << ") must be a multiple of 'num_kv_heads' ("
                         << getNumKvHeads() << ")";
  return success();
}

LogicalResult RouterOp::verify() {
  if (getTopK() > getNumExperts())
    return emitOpError() << "'top_k' (" << getTopK()
                         << ") must not exceed 'num_experts' ("
                         << getNumExperts() << ")";
  return success();
}

