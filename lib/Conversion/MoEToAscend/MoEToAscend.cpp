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
// Every decision comes from the IR: the layout and training setup on the
// model, each unit's moe.placement, each op's moe.memory and moe.overlap.
// The only option is a property of the hardware, the node size.
//
//===----------------------------------------------------------------------===//

#include "dialects/ascend/AscendOps.h"
#include "dialects/moe/MoEConstants.h"
#include "moeplan/Conversion/Passes.h"
#include "moeplan/Cost/LoadImbalance.h"
#include "moeplan/Cost/UnitCost.h"

#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/Transforms/DialectConversion.h"
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
/// A unit to place: its work and the virtual stage it runs on.
struct Unit : UnitWork {
  int64_t virtualStage = 0; ///< chunk · PP + stage
  Location loc;             ///< named after the unit
  Unit(UnitWork work, Location loc) : UnitWork(std::move(work)), loc(loc) {}
};

class ConvertMoEToAscendPass
    : public moeplan::impl::ConvertMoEToAscendPassBase<ConvertMoEToAscendPass> {
public:
  using Base::Base;

  void runOnOperation() override;

private:
  FailureOr<std::vector<Unit>> collectUnits(moe::ModelOp model,
                                            const MicroBatchShape &shape,
                                            const Sharding &sharding);
  LogicalResult lowerModel(moe::ModelOp model);
  void emit(OpBuilder &b, Location loc, ArrayRef<WorkItem> items);
  void emitSaves(OpBuilder &b, Location loc, const OpKernels &op,
                 bool release);
  void emitUnitForward(OpBuilder &b, const Unit &unit, bool gatherWeights);
  void emitUnitBackward(OpBuilder &b, const Unit &unit);

  // The layout of the model being lowered.
  moe::LayoutAttr layout;
  int64_t inputBytes = 0;
};
} // namespace

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
                             k.flash, ascend::Stream::Compute);
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

/// Saves what the op keeps or swaps after its forward (a swap then leaves
/// for host memory on the host stream), or releases every tensor the
/// backward used.
void ConvertMoEToAscendPass::emitSaves(OpBuilder &b, Location loc,
                                       const OpKernels &op, bool release) {
  for (const SavedSpec &t : op.saved) {
    if (release) {
      ascend::ReleaseOp::create(b, loc, t.name, t.bytes);
      continue;
    }
    if (t.choice == moe::MemoryChoice::Recompute)
      continue;
    ascend::SaveOp::create(b, loc, t.name, t.bytes);
    ++numSaved;
    if (t.choice == moe::MemoryChoice::Swap) {
      ascend::RecordOp::create(b, loc, t.name + ".saved",
                               ascend::Stream::Compute);
      ascend::WaitOp::create(b, loc, t.name + ".saved", ascend::Stream::Host);
      ascend::SwapOutOp::create(b, loc, t.name, t.bytes);
    }
  }
}

FailureOr<std::vector<Unit>>
ConvertMoEToAscendPass::collectUnits(moe::ModelOp model,
                                     const MicroBatchShape &shape,
                                     const Sharding &sharding) {
  int64_t pp = layout.getPp(), vpp = layout.getVpp();
  int64_t virtualStages = pp * vpp;
  int64_t layers = llvm::range_size(model.getDecoderLayers());
  std::vector<Unit> units;
  int64_t layerIndex = 0;
  for (Operation &top : model.getBody().front()) {
    UnitWork work = unitWorkOf(&top, shape, sharding);
    Location loc = NameLoc::get(StringAttr::get(&getContext(), work.name),
                                top.getLoc());
    Unit unit(std::move(work), loc);
    if (auto placement =
            top.getAttrOfType<moe::PlacementAttr>(moe::kPlacementAttr)) {
      if (placement.getStage() >= pp || placement.getChunk() >= vpp)
        return top.emitOpError()
               << "is placed on stage " << placement.getStage() << ", chunk "
               << placement.getChunk() << " but the layout has pp = " << pp
               << ", vpp = " << vpp;
      unit.virtualStage = placement.getChunk() * pp + placement.getStage();
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
    // An op reruns from its input, so outside a layer's full recompute its
    // input must be kept (or swapped).
    if (!unit.isFullRecompute())
      for (const OpKernels &op : unit.ops)
        for (const SavedSpec &tensor : op.saved)
          if (tensor.choice == moe::MemoryChoice::Recompute &&
              tensor.kind == SavedTensorKind::LayerInput)
            return op.op->emitOpError()
                   << "recomputes its input '"
                   << StringRef(tensor.name).drop_front(op.name.size() + 1)
                   << "' but " << unit.name
                   << " is not recomputed whole, so nothing could rerun it: "
                      "keep or swap the input, or recompute every tensor of "
                      "the layer";
    units.push_back(std::move(unit));
  }
  return units;
}

/// The location of the ascend ops an op's work lowers to: its kernel-name
/// prefix ("moe3.attention") at the moe op.
static Location locOf(const OpKernels &op) {
  return NameLoc::get(StringAttr::get(op.op->getContext(), op.name),
                      op.op->getLoc());
}

void ConvertMoEToAscendPass::emitUnitForward(OpBuilder &b, const Unit &unit,
                                             bool gatherWeights) {
  Location loc = unit.loc;
  const bool full = unit.isFullRecompute();
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
    emit(b, locOf(op), op.forward);
    if (!full)
      emitSaves(b, locOf(op), op, /*release=*/false);
  }
  if (full)
    ascend::SaveOp::create(b, loc, unit.name + ".input", inputBytes);
}

/// Fetches `unit`'s swapped tensors back on the host stream, in the order
/// its backward needs them; each op's backward waits for its own.
static void emitSwapIns(OpBuilder &b, const Unit &unit) {
  if (unit.isFullRecompute())
    return;
  for (const OpKernels &op : llvm::reverse(unit.ops))
    for (const SavedSpec &t : op.saved)
      if (t.choice == moe::MemoryChoice::Swap) {
        ascend::SwapInOp::create(b, locOf(op), t.name, t.bytes);
        ascend::RecordOp::create(b, locOf(op), t.name + ".fetched",
                                 ascend::Stream::Host);
      }
}

void ConvertMoEToAscendPass::emitUnitBackward(OpBuilder &b, const Unit &unit) {
  Location loc = unit.loc;
  const bool full = unit.isFullRecompute();
  if (full) {
    // Rerun the whole layer from its input, keeping what backward needs.
    auto region = ascend::RecomputeOp::create(b, loc, unit.name);
    OpBuilder rb = OpBuilder::atBlockEnd(&region.getBody().emplaceBlock());
    for (const OpKernels &op : unit.ops) {
      emit(rb, locOf(op), op.forward);
      for (const SavedSpec &t : op.saved)
        ascend::SaveOp::create(rb, locOf(op), t.name, t.bytes);
    }
  }
  for (const OpKernels &op : llvm::reverse(unit.ops)) {
    Location opLoc = locOf(op);
    if (!full && op.recomputesAny()) {
      // Rerun what produces the recomputed tensors before their backward:
      // the attention core alone for Megatron's selective recompute.
      auto region = ascend::RecomputeOp::create(b, opLoc, op.name);
      OpBuilder rb = OpBuilder::atBlockEnd(&region.getBody().emplaceBlock());
      emit(rb, opLoc, op.recomputedWork());
      for (const SavedSpec &t : op.saved)
        if (t.choice == moe::MemoryChoice::Recompute)
          ascend::SaveOp::create(rb, opLoc, t.name, t.bytes);
    }
    if (!full)
      for (const SavedSpec &t : op.saved)
        if (t.choice == moe::MemoryChoice::Swap)
          ascend::WaitOp::create(b, opLoc, t.name + ".fetched",
                                 ascend::Stream::Compute);
    emit(b, opLoc, op.backward);
    emitSaves(b, opLoc, op, /*release=*/true);
  }
  if (full)
    ascend::ReleaseOp::create(b, loc, unit.name + ".input", inputBytes);

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

/// Whether the model's moe.overlap decisions overlap forward with backward,
/// checking that each names a communication its op runs.
static FailureOr<bool> forwardBackwardOverlap(ArrayRef<Unit> units) {
  Operation *fb = nullptr, *blocking = nullptr;
  for (const Unit &unit : units)
    for (const OpKernels &op : unit.ops) {
      auto overlap = op.op->getAttrOfType<moe::OverlapAttr>(moe::kOverlapAttr);
      if (!overlap)
        continue;
      SmallVector<StringRef> runs;
      for (ArrayRef<WorkItem> items : {ArrayRef<WorkItem>(op.forward),
                                       ArrayRef<WorkItem>(op.backward)})
        for (const WorkItem &item : items)
          if (item.kind == WorkItem::Kind::Collective &&
              !llvm::is_contained(runs, item.communication))
            runs.push_back(item.communication);
      for (NamedAttribute entry : overlap.getChoices()) {
        StringRef name = entry.getName().getValue();
        if (!llvm::is_contained(runs, name)) {
          auto diag = op.op->emitOpError()
                      << "has no communication '" << name
                      << "' under this layout (in 'moe.overlap'); ";
          if (runs.empty())
            return diag << "it communicates nothing";
          diag << "it runs ";
          llvm::interleaveComma(runs, diag);
          return diag;
        }
        (cast<moe::OverlapChoiceAttr>(entry.getValue()).getValue() ==
                 moe::OverlapChoice::FB
             ? fb
             : blocking) = op.op;
      }
    }
  if (fb && blocking)
    return blocking->emitOpError()
           << "keeps a communication blocking while another op's is "
              "overlapped with 'fb'; forward/backward overlap (MindSpeed's "
              "--moe-fb-overlap) pairs whole micro-batches, so every "
              "communication of the model hides under it or none does";
  return fb != nullptr;
}

LogicalResult ConvertMoEToAscendPass::lowerModel(moe::ModelOp model) {
  Location loc = model.getLoc();
  MLIRContext *context = &getContext();
  auto training = model->getAttrOfType<moe::TrainingAttr>(moe::kTrainingAttr);
  if (!training || !training.isComplete())
    return model.emitError()
           << "convert-moe-to-ascend needs the model's complete "
           << moe::kTrainingAttr
           << " (seq, micro_batch, global_batch); run moe-shard first";
  layout = model->getAttrOfType<moe::LayoutAttr>(moe::kLayoutAttr);
  if (!layout)
    layout = moe::LayoutAttr::get(context, 1, 1, 1, 1, 1, 1, 1,
                                  std::optional<bool>(false), false,
                                  false, false);
  if (!layout.isComplete())
    return model.emitError() << "convert-moe-to-ascend needs a complete "
                             << moe::kLayoutAttr << ", got " << layout
                             << "; run moe-shard first";
  int64_t pp = layout.getPp(), vpp = layout.getVpp();
  const bool swapOptimizer = moe::swapsOptimizer(model);
  if (swapOptimizer && !layout.getDistributedOptimizer())
    return model.emitError("swapping the optimizer state to host memory "
                           "needs the distributed optimizer (MindSpeed's "
                           "--swap-optimizer does): add distributed_optimizer "
                           "to the layout");
  int64_t perStep = training.getMicroBatch() * layout.getDp();
  if (training.getGlobalBatch() % perStep != 0)
    return model.emitError()
           << "the global batch (" << training.getGlobalBatch()
           << ") is not a multiple of micro-batch x DP = " << perStep;
  int64_t microBatches = training.getGlobalBatch() / perStep;
  if (vpp > 1 && microBatches % pp != 0)
    return model.emitError()
           << "the interleaved schedule needs the micro-batches per step ("
           << microBatches << ") to be a multiple of PP (" << pp << ")";

  MicroBatchShape shape{training.getSeq(), training.getMicroBatch()};
  std::optional<double> skew = training.getSkew();
  Sharding sharding = shardingOf(
      model, layout, shape.seq, shape.microBatch, devicesPerNode,
      skew ? RoutingSkew{*skew} : defaultRoutingSkew(),
      training.getAttention() == moe::AttentionCore::Unfused,
      training.getPrecision() == moe::Precision::FP8);
  inputBytes = layerInputBytes(model, shape, sharding);
  const int64_t p2pBytes = inputBytes;

  FailureOr<std::vector<Unit>> collected =
      collectUnits(model, shape, sharding);
  if (failed(collected))
    return failure();
  std::vector<Unit> &units = *collected;
  FailureOr<bool> fbOverlap = forwardBackwardOverlap(units);
  if (failed(fbOverlap))
    return failure();

  OpBuilder b(model);
  auto plan = ascend::PlanOp::create(b, loc, model.getSymName());
  b.setInsertionPointToStart(&plan.getBody().emplaceBlock());
  Grids grids = gridsOf(layout, sharding);
  shard::GridOp::create(b, loc, "attention", ArrayRef<int64_t>(grids.attention));
  shard::GridOp::create(b, loc, "experts", ArrayRef<int64_t>(grids.experts));
  // Forward/backward overlap pairs each steady-state backward with the next
  // forward; with virtual stages MindSpeed warms up one micro-batch more.
  ascend::ScheduleOp::create(b, loc, pp, vpp, microBatches,
                             /*extra_warmup=*/*fbOverlap && vpp > 1 ? 1 : 0,
                             *fbOverlap);

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
    // An optimizer state swapped to host memory is on the device only for
    // the optimizer step, where the swap-in below counts it.
    int64_t optimizerBytes = 12 * optimizerParams;
    ascend::StageMemoryOp::create(b, loc, stage, 2 * local, 4 * local,
                                  swapOptimizer ? 0 : optimizerBytes);

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
          emitUnitForward(fb, unit, distributed);
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
      // Swapped tensors are prefetched one unit ahead, as MindSpeed's
      // swap-attention prefetches the next layer's: a unit's come back
      // while the unit before it in backward order computes.
      SmallVector<const Unit *> backwardOrder;
      for (const Unit &unit : llvm::reverse(units))
        if (unit.virtualStage == virtualStage)
          backwardOrder.push_back(&unit);
      if (!backwardOrder.empty())
        emitSwapIns(bb, *backwardOrder.front());
      for (auto [i, unit] : llvm::enumerate(backwardOrder)) {
        if (i + 1 < backwardOrder.size())
          emitSwapIns(bb, *backwardOrder[i + 1]);
        emitUnitBackward(bb, *unit);
      }
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
    if (swapOptimizer) {
      // MindSpeed's --swap-optimizer: fetch the fp32 states for the step,
      // send them back after it; the step waits for them.
      ascend::SwapInOp::create(ob, loc, "optimizer.state", optimizerBytes);
      ascend::RecordOp::create(ob, loc, "optimizer.fetched",
                               ascend::Stream::Host);
      ascend::WaitOp::create(ob, loc, "optimizer.fetched",
                             ascend::Stream::Compute);
    }
    emit(ob, loc, optimizerKernels(optimizerParams));
    if (swapOptimizer) {
      ascend::RecordOp::create(ob, loc, "optimizer.updated",
                               ascend::Stream::Compute);
      ascend::WaitOp::create(ob, loc, "optimizer.updated",
                             ascend::Stream::Host);
      ascend::SwapOutOp::create(ob, loc, "optimizer.state", optimizerBytes);
    }
  }
  model.erase();
  return success();
}

void ConvertMoEToAscendPass::runOnOperation() {
  ModuleOp module = getOperation();
  if (devicesPerNode <= 0) {
    module.emitError() << "option 'devices-per-node' must be positive, got "
                       << devicesPerNode;
    return signalPassFailure();
  }
  for (moe::ModelOp model : llvm::to_vector(module.getOps<moe::ModelOp>()))
    if (failed(lowerModel(model)))
      return signalPassFailure();

  ConversionTarget target(getContext());
  target.addIllegalDialect<moe::MoEDialect>();
  target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
  if (failed(applyFullConversion(module, target, RewritePatternSet(&getContext()))))
    signalPassFailure();
}
