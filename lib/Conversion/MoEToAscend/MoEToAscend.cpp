//===- MoEToAscend.cpp - lower moe models to ascend kernel schedules ------===//
//
// The lowering is one-to-many across programs: an op's forward work goes to
// the forward program of its stage in model order, its backward work to the
// backward program in reverse order, and under recompute its forward work a
// second time into a recompute region. That is not a local rewrite, so
// instead of the dialect-conversion driver this pass walks each model once,
// asks OpKernels.cpp for each op's work and places it; a conversion target
// still checks that no moe op survives.
//
//===----------------------------------------------------------------------===//

#include "moeplan/Conversion/OpKernels.h"
#include "dialects/ascend/AscendOps.h"
#include "moeplan/Conversion/Passes.h"
#include "moeplan/Cost/LoadImbalance.h"

#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "convert-moe-to-ascend"

namespace moeplan {
#define GEN_PASS_DEF_CONVERTMOETOASCENDPASS
#include "moeplan/Conversion/Passes.h.inc"
} // namespace moeplan

using namespace mlir;
using namespace moeplan;
namespace moe = mlir::moe;
namespace ascend = mlir::ascend;

namespace {
enum class Recompute { None, Selective, Full };

/// A run of ops that recompute treats as one and that lives on one virtual
/// pipeline stage: a decoder or MTP layer, or a model-level op (embedding,
/// final norm, head, loss).
struct Unit {
  std::string name;
  bool isLayer = false;
  int64_t virtualStage = 0; ///< chunk · PP + stage
  std::vector<OpKernels> ops; ///< forward order
  int64_t denseParams = 0, expertParams = 0;
};

/// Labels a unit's leaf ops: norm0, norm1, attention, router, ...
std::string opLabel(Operation *op, int &norms) {
  if (isa<moe::NormOp>(op))
    return "norm" + std::to_string(norms++);
  if (isa<moe::AttentionOp, moe::MLAAttentionOp>(op))
    return "attention";
  return op->getName().stripDialect().str();
}

/// The layout's grid axes: @attention is [PP, DP, CP, TP] and @experts is
/// [PP, EDP, EP across nodes, EP within a node, ETP], both row-major with
/// the last axis fastest, as Megatron orders ranks.
struct Axes {
  static constexpr int16_t pp = 0, dp = 1, cp = 2, tp = 3;
  static constexpr int16_t edp = 1, epOuter = 2, epInner = 3, etp = 4;
};

class ConvertMoEToAscendPass
    : public moeplan::impl::ConvertMoEToAscendPassBase<ConvertMoEToAscendPass> {
public:
  using Base::Base;

  void runOnOperation() override;

private:
  std::vector<Unit> collectUnits(moe::ModelOp model, moe::LayoutAttr layout,
                                 const Sharding &sharding);
  void lowerModel(moe::ModelOp model, Recompute policy);
  void emit(OpBuilder &b, Location loc, ArrayRef<WorkItem> items);
  void emitSaves(OpBuilder &b, Location loc, const OpKernels &op,
                 Recompute policy, bool release);
  void emitUnitForward(OpBuilder &b, Location loc, const Unit &unit,
                       Recompute policy, bool gatherWeights);
  void emitUnitBackward(OpBuilder &b, Location loc, const Unit &unit,
                        Recompute policy);

  // The layout of the model being lowered.
  moe::LayoutAttr layout;
  int64_t layerInputBytes = 0;
  int64_t p2pBytes = 0;
};
} // namespace

/// A collective's grid and axes.
static std::pair<StringRef, SmallVector<int16_t>> groupAxes(Group group) {
  switch (group) {
  case Group::TP:
    return {"attention", {Axes::tp}};
  case Group::CP:
    return {"attention", {Axes::cp}};
  case Group::EP:
    return {"experts", {Axes::epOuter, Axes::epInner}};
  case Group::EPInner:
    return {"experts", {Axes::epInner}};
  case Group::EPOuter:
    return {"experts", {Axes::epOuter}};
  case Group::ETP:
    return {"experts", {Axes::etp}};
  }
  llvm_unreachable("unknown group");
}

static void createCollective(OpBuilder &b, Location loc, CollectiveKind kind,
                             StringRef name, StringRef grid,
                             ArrayRef<int16_t> axes, int64_t bytes,
                             ascend::Stream stream,
                             std::optional<ascend::Occurrence> when = {}) {
  ascend::OccurrenceAttr only =
      when ? ascend::OccurrenceAttr::get(b.getContext(), *when) : nullptr;
  switch (kind) {
  case CollectiveKind::AllReduce:
    ascend::AllReduceOp::create(b, loc, name, grid, axes, bytes, stream, only);
    return;
  case CollectiveKind::AllGather:
    ascend::AllGatherOp::create(b, loc, name, grid, axes, bytes, stream, only);
    return;
  case CollectiveKind::ReduceScatter:
    ascend::ReduceScatterOp::create(b, loc, name, grid, axes, bytes, stream,
                                    only);
    return;
  case CollectiveKind::AllToAll:
    ascend::AllToAllOp::create(b, loc, name, grid, axes, bytes, stream, only);
    return;
  }
}

void ConvertMoEToAscendPass::emit(OpBuilder &b, Location loc,
                                  ArrayRef<WorkItem> items) {
  for (const WorkItem &k : items) {
    switch (k.kind) {
    case WorkItem::Kind::Cube:
      ascend::CubeOp::create(b, loc, k.name, k.flops, k.bytes,
                             b.getDenseI64ArrayAttr(k.shape), k.groups, k.fp8,
                             ascend::Stream::Compute);
      ++numKernels;
      break;
    case WorkItem::Kind::Vector:
      ascend::VectorOp::create(b, loc, k.name, k.flops, k.bytes,
                               ascend::Stream::Compute);
      ++numKernels;
      break;
    case WorkItem::Kind::Collective: {
      // Blocking, as Megatron's TP, CP and EP collectives are: the comm
      // stream waits for the producer, compute waits for the result.
      auto [grid, axes] = groupAxes(k.group);
      ascend::RecordOp::create(b, loc, k.name + ".in", ascend::Stream::Compute);
      ascend::WaitOp::create(b, loc, k.name + ".in", ascend::Stream::Comm);
      createCollective(b, loc, k.collective, k.name, grid, axes, k.bytes,
                       ascend::Stream::Comm);
      ascend::RecordOp::create(b, loc, k.name + ".out", ascend::Stream::Comm);
      ascend::WaitOp::create(b, loc, k.name + ".out", ascend::Stream::Compute);
      ++numCollectives;
      break;
    }
    }
  }
}

/// Whether the policy keeps `kind` from forward to backward.
static bool keeps(Recompute policy, SavedTensorKind kind) {
  return !(policy == Recompute::Selective &&
           kind == SavedTensorKind::AttentionCore);
}

void ConvertMoEToAscendPass::emitSaves(OpBuilder &b, Location loc,
                                       const OpKernels &op, Recompute policy,
                                       bool release) {
  for (const SavedSpec &t : op.saved) {
    if (!keeps(policy, t.kind))
      continue;
    if (release) {
      ascend::ReleaseOp::create(b, loc, t.name, t.bytes);
    } else {
      ascend::SaveOp::create(b, loc, t.name, t.bytes);
      ++numSaved;
    }
  }
}

std::vector<Unit>
ConvertMoEToAscendPass::collectUnits(moe::ModelOp model, moe::LayoutAttr layout,
                                     const Sharding &sharding) {
  MicroBatchShape mb{seq, microBatch};
  int64_t virtualStages = layout.getPp() * layout.getVpp();
  int64_t layers = llvm::range_size(model.getDecoderLayers());
  std::vector<Unit> units;
  int64_t layerIndex = 0;
  for (Operation &top : model.getBody().front()) {
    Unit unit;
    unit.isLayer = isa<moe::DecoderLayerOp, moe::MTPLayerOp>(top);
    unit.name = unitName(&top);
    if (auto stage = top.getAttrOfType<IntegerAttr>("moe.stage")) {
      unit.virtualStage = stage.getInt();
    } else if (isa<moe::EmbeddingOp>(top)) {
      unit.virtualStage = 0;
    } else if (isa<moe::DecoderLayerOp>(top)) {
      // Evenly in order: the first `layers mod stages` stages take one more.
      int64_t base = layers / virtualStages, extra = layers % virtualStages;
      int64_t boundary = extra * (base + 1);
      unit.virtualStage = layerIndex < boundary
                              ? layerIndex / (base + 1)
                              : extra + (layerIndex - boundary) / std::max<int64_t>(base, 1);
      ++layerIndex;
    } else {
      unit.virtualStage = virtualStages - 1;
    }
    int norms = 0;
    top.walk([&](Operation *leaf) {
      if (leaf->getNumRegions() != 0)
        return;
      std::string prefix = unit.isLayer
                               ? unit.name + "." + opLabel(leaf, norms)
                               : unit.name;
      unit.ops.push_back(lowerOpKernels(leaf, mb, sharding, prefix));
      unit.denseParams += unit.ops.back().denseParams;
      unit.expertParams += unit.ops.back().expertParams;
    });
    units.push_back(std::move(unit));
  }
  return units;
}

void ConvertMoEToAscendPass::emitUnitForward(OpBuilder &b, Location loc,
                                             const Unit &unit, Recompute policy,
                                             bool gatherWeights) {
  bool full = policy == Recompute::Full && unit.isLayer;
  if (gatherWeights) {
    // The distributed optimizer's updated weights, gathered under the
    // previous unit's compute in the first micro-batch.
    std::string name = unit.name + ".weights";
    if (unit.denseParams && layout.getDp() * layout.getCp() > 1)
      createCollective(b, loc, CollectiveKind::AllGather, name + ".gather",
                       "attention", {Axes::dp, Axes::cp},
                       2 * unit.denseParams, ascend::Stream::DP,
                       ascend::Occurrence::First);
    if (unit.expertParams && layout.getExpertDataParallel() > 1)
      createCollective(b, loc, CollectiveKind::AllGather,
                       name + ".expert_gather", "experts", {Axes::edp},
                       2 * unit.expertParams, ascend::Stream::DP,
                       ascend::Occurrence::First);
    ascend::RecordOp::create(b, loc, name, ascend::Stream::DP);
    ascend::WaitOp::create(b, loc, name, ascend::Stream::Compute);
  }
  for (const OpKernels &op : unit.ops) {
    emit(b, loc, op.forward);
    if (!full)
      emitSaves(b, loc, op, policy, /*release=*/false);
  }
  if (full)
    ascend::SaveOp::create(b, loc, unit.name + ".input", layerInputBytes);
}

void ConvertMoEToAscendPass::emitUnitBackward(OpBuilder &b, Location loc,
                                              const Unit &unit,
                                              Recompute policy) {
  bool full = policy == Recompute::Full && unit.isLayer;
  if (full) {
    // Rerun the whole layer from its input, keeping what backward needs.
    auto region = ascend::RecomputeOp::create(b, loc, unit.name);
    OpBuilder rb = OpBuilder::atBlockEnd(&region.getBody().emplaceBlock());
    for (const OpKernels &op : unit.ops) {
      emit(rb, loc, op.forward);
      emitSaves(rb, loc, op, Recompute::None, /*release=*/false);
    }
  }
  for (const OpKernels &op : llvm::reverse(unit.ops)) {
    bool recomputesCore = policy == Recompute::Selective &&
                          llvm::any_of(op.saved, [](const SavedSpec &t) {
                            return t.kind == SavedTensorKind::AttentionCore;
                          });
    if (recomputesCore) {
      // Selective recompute reruns the attention core before its backward.
      auto region = ascend::RecomputeOp::create(b, loc, op.name);
      OpBuilder rb = OpBuilder::atBlockEnd(&region.getBody().emplaceBlock());
      for (const WorkItem &k : op.forward)
        if (k.isAttentionCore)
          emit(rb, loc, k);
      for (const SavedSpec &t : op.saved)
        if (t.kind == SavedTensorKind::AttentionCore)
          ascend::SaveOp::create(rb, loc, t.name, t.bytes);
    }
    emit(b, loc, op.backward);
    emitSaves(b, loc, op, full || recomputesCore ? Recompute::None : policy,
              /*release=*/true);
  }
  if (full)
    ascend::ReleaseOp::create(b, loc, unit.name + ".input", layerInputBytes);

  // The gradients are complete after the last micro-batch's backward:
  // reduce them over the data-parallel group under the rest of backward.
  bool distributed = layout.getDistributedOptimizer();
  auto reduce = distributed ? CollectiveKind::ReduceScatter
                            : CollectiveKind::AllReduce;
  bool denseReduce = unit.denseParams && layout.getDp() * layout.getCp() > 1;
  bool expertReduce = unit.expertParams && layout.getExpertDataParallel() > 1;
  if (!denseReduce && !expertReduce)
    return;
  std::string name = unit.name + ".grads";
  ascend::RecordOp::create(b, loc, name, ascend::Stream::Compute);
  ascend::WaitOp::create(b, loc, name, ascend::Stream::DP);
  if (denseReduce)
    createCollective(b, loc, reduce, name + ".reduce", "attention",
                     {Axes::dp, Axes::cp}, 2 * unit.denseParams,
                     ascend::Stream::DP, ascend::Occurrence::Last);
  if (expertReduce)
    createCollective(b, loc, reduce, name + ".expert_reduce", "experts",
                     {Axes::edp}, 2 * unit.expertParams, ascend::Stream::DP,
                     ascend::Occurrence::Last);
}

void ConvertMoEToAscendPass::lowerModel(moe::ModelOp model, Recompute policy) {
  Location loc = model.getLoc();
  MLIRContext *context = &getContext();
  layout = model->getAttrOfType<moe::LayoutAttr>("moe.layout");
  if (!layout)
    layout = moe::LayoutAttr::get(context, 1, 1, 1, 1, 1, 1, 1, false, false,
                                  false, false);
  int64_t pp = layout.getPp(), vpp = layout.getVpp(), tp = layout.getTp();

  Sharding sharding = shardingOf(
      model, layout, seq, microBatch, devicesPerNode,
      routingSkew >= 0 ? RoutingSkew{routingSkew} : defaultRoutingSkew(),
      attention == "unfused", precision == "fp8");
  int64_t localTokens = seq * microBatch / sharding.cp /
                        (sharding.sp ? tp : 1);
  layerInputBytes = 2 * model.getHiddenSize() * localTokens;
  p2pBytes = layerInputBytes;

  std::vector<Unit> units = collectUnits(model, layout, sharding);
  for (const Unit &unit : units)
    if (unit.virtualStage < 0 || unit.virtualStage >= pp * vpp) {
      model.emitError() << unit.name << " is placed on virtual stage "
                        << unit.virtualStage << " but PP x VPP = " << pp * vpp;
      return signalPassFailure();
    }

  OpBuilder b(model);
  auto plan = ascend::PlanOp::create(b, loc, model.getSymName());
  b.setInsertionPointToStart(&plan.getBody().emplaceBlock());
  shard::GridOp::create(b, loc, "attention",
                        ArrayRef<int64_t>{pp, layout.getDp(), layout.getCp(), tp});
  shard::GridOp::create(b, loc, "experts",
                        ArrayRef<int64_t>{pp, layout.getExpertDataParallel(),
                                          sharding.epOuter, sharding.epInner,
                                          sharding.etp});
  // Forward/backward overlap pairs each steady-state backward with the next
  // forward; with virtual stages MindSpeed warms up one micro-batch more.
  ascend::ScheduleOp::create(b, loc, pp, vpp, microBatches,
                             /*extra_warmup=*/fbOverlap && vpp > 1 ? 1 : 0,
                             fbOverlap);

  // Mixed precision: bf16 weights, fp32 gradients, and fp32 master weights
  // and two Adam moments, sharded over the replicas with the distributed
  // optimizer (dense parameters over DP x CP, experts over EDP).
  bool distributed = layout.getDistributedOptimizer();
  int64_t denseShards = distributed ? layout.getDp() * layout.getCp() : 1;
  int64_t expertShards = distributed ? layout.getExpertDataParallel() : 1;
  for (int64_t stage = 0; stage < pp; ++stage) {
    int64_t dense = 0, expert = 0;
    for (const Unit &unit : units)
      if (unit.virtualStage % pp == stage) {
        dense += unit.denseParams;
        expert += unit.expertParams;
      }
    int64_t local = dense + expert;
    int64_t optimizerParams = (dense + denseShards - 1) / denseShards +
                              (expert + expertShards - 1) / expertShards;
    ascend::StageMemoryOp::create(b, loc, stage, 2 * local, 4 * local,
                                  12 * optimizerParams);

    for (int64_t chunk = 0; chunk < vpp; ++chunk) {
      int64_t virtualStage = chunk * pp + stage;
      auto program = [&](ascend::Phase phase) {
        auto op = ascend::ProgramOp::create(b, loc, stage, chunk, phase);
        return OpBuilder::atBlockEnd(&op.getBody().emplaceBlock());
      };
      OpBuilder fb = program(ascend::Phase::Forward);
      if (virtualStage > 0)
        ascend::RecvOp::create(fb, loc, "activations", p2pBytes,
                               ascend::Peer::Previous);
      for (const Unit &unit : units)
        if (unit.virtualStage == virtualStage)
          emitUnitForward(fb, loc, unit, policy, distributed);
      if (virtualStage < pp * vpp - 1) {
        ascend::RecordOp::create(fb, loc, "activations", ascend::Stream::Compute);
        ascend::WaitOp::create(fb, loc, "activations", ascend::Stream::P2P);
        ascend::SendOp::create(fb, loc, "activations", p2pBytes,
                               ascend::Peer::Next);
      }

      OpBuilder bb = program(ascend::Phase::Backward);
      if (virtualStage < pp * vpp - 1)
        ascend::RecvOp::create(bb, loc, "gradients", p2pBytes,
                               ascend::Peer::Next);
      for (const Unit &unit : llvm::reverse(units))
        if (unit.virtualStage == virtualStage)
          emitUnitBackward(bb, loc, unit, policy);
      if (virtualStage > 0) {
        ascend::RecordOp::create(bb, loc, "gradients", ascend::Stream::Compute);
        ascend::WaitOp::create(bb, loc, "gradients", ascend::Stream::P2P);
        ascend::SendOp::create(bb, loc, "gradients", p2pBytes,
                               ascend::Peer::Previous);
      }
    }
    auto optimizer =
        ascend::ProgramOp::create(b, loc, stage, 0, ascend::Phase::Optimizer);
    OpBuilder ob = OpBuilder::atBlockEnd(&optimizer.getBody().emplaceBlock());
    emit(ob, loc, optimizerKernels(optimizerParams));
  }
  model.erase();
}

void ConvertMoEToAscendPass::runOnOperation() {
  ModuleOp module = getOperation();
  std::optional<Recompute> policy =
      llvm::StringSwitch<std::optional<Recompute>>(recompute)
          .Case("none", Recompute::None)
          .Case("selective", Recompute::Selective)
          .Case("full", Recompute::Full)
          .Default(std::nullopt);
  if (!policy) {
    module.emitError() << "unknown recompute policy '" << recompute
                       << "'; expected none, selective or full";
    return signalPassFailure();
  }
  if (precision != "bf16" && precision != "fp8") {
    module.emitError() << "unknown precision '" << precision
                       << "'; expected bf16 or fp8";
    return signalPassFailure();
  }
  if (attention != "flash" && attention != "unfused") {
    module.emitError() << "unknown attention core '" << attention
                       << "'; expected flash or unfused";
    return signalPassFailure();
  }
  for (auto [option, value] : {std::pair<StringRef, int64_t>{"seq", seq},
                               {"micro-batch", microBatch},
                               {"micro-batches", microBatches},
                               {"devices-per-node", devicesPerNode}})
    if (value <= 0) {
      module.emitError() << "option '" << option
                         << "' must be positive, got " << value;
      return signalPassFailure();
    }

  for (moe::ModelOp model : llvm::to_vector(module.getOps<moe::ModelOp>()))
    lowerModel(model, *policy);

  ConversionTarget target(getContext());
  target.addIllegalDialect<moe::MoEDialect>();
  target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
  if (failed(applyFullConversion(module, target, RewritePatternSet(&getContext()))))
    signalPassFailure();
}
