//===- MoEToAscend.cpp - lower moe models to ascend kernel schedules ------===//
//
// The lowering is one-to-many across programs: an op's forward kernels go
// to the forward program in model order, its backward kernels to the
// backward program in reverse order, and under recompute its forward
// kernels a second time into a recompute region. That is not a local
// rewrite, so instead of the dialect-conversion driver this pass walks each
// model once, asks OpKernels.cpp for each op's kernels and places them; the
// conversion target still checks that no moe op survives.
//
//===----------------------------------------------------------------------===//

#include "OpKernels.h"
#include "dialects/ascend/AscendOps.h"
#include "moeplan/Conversion/Passes.h"

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

/// A run of ops that recompute treats as one: a decoder or MTP layer, or a
/// model-level op (embedding, final norm, head, loss).
struct Unit {
  std::string name;
  bool isLayer = false;
  std::vector<OpKernels> ops; ///< forward order
};

/// Labels a unit's leaf ops: norm0, norm1, attention, router, ...
std::string opLabel(Operation *op, int &norms) {
  if (isa<moe::NormOp>(op))
    return "norm" + std::to_string(norms++);
  if (isa<moe::AttentionOp, moe::MLAAttentionOp>(op))
    return "attention";
  return op->getName().stripDialect().str();
}

std::vector<Unit> collectUnits(moe::ModelOp model, const MicroBatchShape &mb) {
  std::vector<Unit> units;
  for (Operation &top : model.getBody().front()) {
    Unit unit;
    unit.isLayer = isa<moe::DecoderLayerOp, moe::MTPLayerOp>(top);
    unit.name = unit.isLayer ? layerName(&top)
                : isa<moe::NormOp>(top)
                    ? std::string("final_norm")
                    : top.getName().stripDialect().str();
    int norms = 0;
    top.walk([&](Operation *leaf) {
      if (leaf->getNumRegions() != 0)
        return;
      std::string prefix = unit.isLayer
                               ? unit.name + "." + opLabel(leaf, norms)
                               : unit.name;
      unit.ops.push_back(lowerOpKernels(leaf, mb, prefix));
    });
    units.push_back(std::move(unit));
  }
  return units;
}

class ConvertMoEToAscendPass
    : public moeplan::impl::ConvertMoEToAscendPassBase<ConvertMoEToAscendPass> {
public:
  using Base::Base;

  void runOnOperation() override;

private:
  void lowerModel(moe::ModelOp model, Recompute policy);
  void emitKernels(OpBuilder &b, Location loc, ArrayRef<KernelSpec> kernels);
  void emitSaves(OpBuilder &b, Location loc, const OpKernels &op,
                 Recompute policy, bool release);
  void emitOptimizerStep(OpBuilder &b, Location loc, shard::GridOp grid,
                         int64_t params);
};
} // namespace

void ConvertMoEToAscendPass::emitKernels(OpBuilder &b, Location loc,
                                         ArrayRef<KernelSpec> kernels) {
  for (const KernelSpec &k : kernels) {
    if (k.unit == KernelSpec::Unit::Cube)
      ascend::CubeOp::create(b, loc, k.name, k.flops, k.bytes,
                             b.getDenseI64ArrayAttr(k.shape), k.groups,
                             ascend::Stream::Compute);
    else
      ascend::VectorOp::create(b, loc, k.name, k.flops, k.bytes,
                               ascend::Stream::Compute);
    ++numKernels;
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

/// Reduces bf16 gradients over the data-parallel axis (Megatron's default
/// gradient dtype), then updates the local parameters; with the distributed
/// optimizer each replica updates its shard and gathers the others'.
void ConvertMoEToAscendPass::emitOptimizerStep(OpBuilder &b, Location loc,
                                               shard::GridOp grid,
                                               int64_t params) {
  StringRef gridRef = grid.getSymName();
  const int16_t dpAxis[] = {0};
  int64_t gradBytes = 2 * params;
  if (dataParallel > 1) {
    if (distributedOptimizer)
      ascend::ReduceScatterOp::create(b, loc, "grads.reduce_scatter", gridRef,
                                      dpAxis, gradBytes, ascend::Stream::DP);
    else
      ascend::AllReduceOp::create(b, loc, "grads.all_reduce", gridRef, dpAxis,
                                  gradBytes, ascend::Stream::DP);
    ascend::RecordOp::create(b, loc, "grads.reduced", ascend::Stream::DP);
    ascend::WaitOp::create(b, loc, "grads.reduced", ascend::Stream::Compute);
  }
  int64_t shards = distributedOptimizer ? dataParallel : 1;
  emitKernels(b, loc, optimizerKernels((params + shards - 1) / shards));
  if (dataParallel > 1 && distributedOptimizer) {
    ascend::RecordOp::create(b, loc, "weights.updated", ascend::Stream::Compute);
    ascend::WaitOp::create(b, loc, "weights.updated", ascend::Stream::DP);
    ascend::AllGatherOp::create(b, loc, "weights.all_gather", gridRef, dpAxis,
                                2 * params, ascend::Stream::DP);
  }
}

void ConvertMoEToAscendPass::lowerModel(moe::ModelOp model, Recompute policy) {
  Location loc = model.getLoc();
  MicroBatchShape mb{seq, microBatch};
  std::vector<Unit> units = collectUnits(model, mb);
  FailureOr<ParamCounts> params = countParameters(model);
  if (failed(params))
    return signalPassFailure();
  int64_t stageParams = params->total + params->mtp;
  int64_t layerInputBytes = 2 * model.getHiddenSize() * mb.tokens();

  OpBuilder b(model);
  auto plan = ascend::PlanOp::create(b, loc, model.getSymName());
  b.setInsertionPointToStart(&plan.getBody().emplaceBlock());
  // Axis 0 of the grid is data parallelism.
  auto grid = shard::GridOp::create(b, loc, "world",
                                    ArrayRef<int64_t>{dataParallel});
  ascend::ScheduleOp::create(b, loc, /*stages=*/1, /*chunks=*/1, microBatches,
                             /*extra_warmup=*/0);
  // Mixed precision: bf16 weights, fp32 gradients, and fp32 master weights
  // and two Adam moments, sharded over the replicas with the distributed
  // optimizer.
  int64_t optimizerShards = distributedOptimizer ? dataParallel : 1;
  ascend::StageMemoryOp::create(
      b, loc, /*stage=*/0, 2 * stageParams, 4 * stageParams,
      12 * ((stageParams + optimizerShards - 1) / optimizerShards));

  auto program = [&](ascend::Phase phase) {
    auto op = ascend::ProgramOp::create(b, loc, 0, 0, phase);
    op.getBody().emplaceBlock();
    return op;
  };
  auto forward = program(ascend::Phase::Forward);
  auto backward = program(ascend::Phase::Backward);
  auto optimizer = program(ascend::Phase::Optimizer);

  OpBuilder fb = OpBuilder::atBlockEnd(&forward.getBody().front());
  OpBuilder bb = OpBuilder::atBlockEnd(&backward.getBody().front());
  for (const Unit &unit : units) {
    bool full = policy == Recompute::Full && unit.isLayer;
    for (const OpKernels &op : unit.ops) {
      emitKernels(fb, loc, op.forward);
      if (!full)
        emitSaves(fb, loc, op, policy, /*release=*/false);
    }
    if (full)
      ascend::SaveOp::create(fb, loc, unit.name + ".input", layerInputBytes);
  }
  for (const Unit &unit : llvm::reverse(units)) {
    bool full = policy == Recompute::Full && unit.isLayer;
    if (full) {
      // Rerun the whole layer from its input, keeping what backward needs.
      auto region = ascend::RecomputeOp::create(bb, loc, unit.name);
      OpBuilder rb = OpBuilder::atBlockEnd(&region.getBody().emplaceBlock());
      for (const OpKernels &op : unit.ops) {
        emitKernels(rb, loc, op.forward);
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
        auto region = ascend::RecomputeOp::create(bb, loc, op.name);
        OpBuilder rb = OpBuilder::atBlockEnd(&region.getBody().emplaceBlock());
        for (const KernelSpec &k : op.forward)
          if (k.isAttentionCore)
            emitKernels(rb, loc, k);
        for (const SavedSpec &t : op.saved)
          if (t.kind == SavedTensorKind::AttentionCore)
            ascend::SaveOp::create(rb, loc, t.name, t.bytes);
      }
      emitKernels(bb, loc, op.backward);
      emitSaves(bb, loc, op, full || recomputesCore ? Recompute::None : policy,
                /*release=*/true);
    }
    if (full)
      ascend::ReleaseOp::create(bb, loc, unit.name + ".input", layerInputBytes);
  }
  OpBuilder ob = OpBuilder::atBlockEnd(&optimizer.getBody().front());
  emitOptimizerStep(ob, loc, grid, stageParams);
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
  for (auto [option, value] : {std::pair<StringRef, int64_t>{"seq", seq},
                               {"micro-batch", microBatch},
                               {"micro-batches", microBatches},
                               {"dp", dataParallel}})
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
