//===- AscendOps.cpp - verifiers of the ascend dialect --------------------===//
//
// Counts are checked by ODS constraints; these verifiers check what the
// cost interpreter relies on: a complete set of programs for the schedule,
// events recorded before they are waited on, balanced saves and releases,
// and collectives whose group exists on the grid.
//
//===----------------------------------------------------------------------===//

#include "dialects/ascend/AscendOps.h"
#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringSet.h"

#include <map>
#include <tuple>

using namespace mlir;
using namespace mlir::ascend;

#define GET_OP_CLASSES
#include "dialects/ascend/AscendOps.cpp.inc"

//===----------------------------------------------------------------------===//
// PlanOp
//===----------------------------------------------------------------------===//

ScheduleOp PlanOp::getSchedule() {
  return *getBody().getOps<ScheduleOp>().begin();
}

namespace {
/// Net bytes of saves minus releases in a program, recompute regions included.
int64_t netSavedBytes(ProgramOp program) {
  int64_t net = 0;
  program.walk([&](Operation *op) {
    if (auto save = dyn_cast<SaveOp>(op))
      net += save.getBytes();
    else if (auto release = dyn_cast<ReleaseOp>(op))
      net -= release.getBytes();
  });
  return net;
}
} // namespace

LogicalResult PlanOp::verifyRegions() {
  auto schedules = llvm::to_vector(getBody().getOps<ScheduleOp>());
  if (schedules.size() != 1)
    return emitOpError() << "needs exactly one 'ascend.schedule', found "
                         << schedules.size();
  if (getBody().getOps<shard::GridOp>().empty())
    return emitOpError("needs a 'shard.grid' naming the device grid");
  for (Operation &op : getBody().front())
    if (!isa<shard::GridOp, ScheduleOp, StageMemoryOp, ProgramOp>(op))
      return op.emitOpError("is not allowed directly in an 'ascend.plan'");

  ScheduleOp schedule = schedules.front();
  int64_t stages = schedule.getStages(), chunks = schedule.getChunks();
  llvm::DenseSet<int64_t> memoryStages;
  for (StageMemoryOp memory : getStageMemories()) {
    if (memory.getStage() >= stages)
      return memory.emitOpError() << "is for stage " << memory.getStage()
                                  << " but the schedule has " << stages
                                  << " stages";
    if (!memoryStages.insert(memory.getStage()).second)
      return memory.emitOpError() << "repeats stage " << memory.getStage();
  }

  std::map<std::tuple<int64_t, int64_t, Phase>, ProgramOp> programs;
  for (ProgramOp program : getPrograms()) {
    if (program.getStage() >= stages || program.getChunk() >= chunks)
      return program.emitOpError()
             << "is for stage " << program.getStage() << " chunk "
             << program.getChunk() << " but the schedule has " << stages
             << " stages of " << chunks << " chunks";
    auto key = std::make_tuple(program.getStage(), program.getChunk(),
                               program.getPhase());
    if (!programs.emplace(key, program).second)
      return program.emitOpError("repeats a (stage, chunk, phase) of the plan");
  }
  for (int64_t stage = 0; stage < stages; ++stage) {
    if (!memoryStages.contains(stage))
      return emitOpError() << "has no 'ascend.stage_memory' for stage "
                           << stage;
    for (int64_t chunk = 0; chunk < chunks; ++chunk) {
      auto forward = programs.find({stage, chunk, Phase::Forward});
      auto backward = programs.find({stage, chunk, Phase::Backward});
      if (forward == programs.end() || backward == programs.end())
        return emitOpError() << "has no "
                             << (forward == programs.end() ? "forward"
                                                           : "backward")
                             << " program for stage " << stage << " chunk "
                             << chunk;
      // Whatever a micro-batch saves must be freed by its backward pass, or
      // memory would grow with every micro-batch.
      int64_t saved = netSavedBytes(forward->second);
      int64_t net = saved + netSavedBytes(backward->second);
      if (net != 0)
        return backward->second.emitOpError()
               << "releases " << saved - net << " bytes but the forward "
               << "program of stage " << stage << " chunk " << chunk
               << " saves " << saved;
    }
  }
  return success();
}

//===----------------------------------------------------------------------===//
// ScheduleOp
//===----------------------------------------------------------------------===//

LogicalResult ScheduleOp::verify() {
  // Megatron's interleaved schedule hands micro-batches out in groups of
  // `stages`.
  if (getChunks() > 1 && getMicroBatches() % getStages() != 0)
    return emitOpError() << "interleaved schedule (chunks = " << getChunks()
                         << ") needs 'micro_batches' (" << getMicroBatches()
                         << ") to be a multiple of 'stages' (" << getStages()
                         << ")";
  return success();
}

//===----------------------------------------------------------------------===//
// ProgramOp and RecomputeOp
//===----------------------------------------------------------------------===//

LogicalResult ProgramOp::verifyRegions() {
  if (getPhase() == Phase::Optimizer && getChunk() != 0)
    return emitOpError() << "optimizer programs are per stage and use chunk "
                            "0, got chunk "
                         << getChunk();
  llvm::StringSet<> recorded;
  WalkResult result = walk([&](Operation *op) -> WalkResult {
    if (auto record = dyn_cast<RecordOp>(op)) {
      recorded.insert(record.getEvent());
    } else if (auto wait = dyn_cast<WaitOp>(op)) {
      if (!recorded.contains(wait.getEvent()))
        return wait.emitOpError()
               << "waits for event '" << wait.getEvent()
               << "' that is not recorded earlier in the program";
    } else if (isa<ReleaseOp>(op) && getPhase() != Phase::Backward) {
      return op->emitOpError("is only allowed in backward programs");
    } else if (isa<SaveOp>(op) && getPhase() == Phase::Optimizer) {
      return op->emitOpError("is not allowed in optimizer programs");
    } else if (op->hasAttr("only") && getPhase() == Phase::Optimizer) {
      return op->emitOpError("runs once per step already in an optimizer "
                             "program; drop 'only'");
    }
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

LogicalResult RecomputeOp::verify() {
  auto program = (*this)->getParentOfType<ProgramOp>();
  if (program.getPhase() != Phase::Backward)
    return emitOpError("is only allowed in backward programs");
  return success();
}

//===----------------------------------------------------------------------===//
// Kernels and collectives
//===----------------------------------------------------------------------===//

LogicalResult CubeOp::verify() {
  ArrayRef<int64_t> shape = getShape();
  if (shape.size() != 3)
    return emitOpError() << "'shape' must be [m, n, k], got " << shape.size()
                         << " dimensions";
  for (int64_t dim : shape)
    if (dim <= 0)
      return emitOpError() << "'shape' dimensions must be positive, got "
                           << dim;
  return success();
}

/// The grid must exist and the axes name distinct dimensions of it.
static LogicalResult verifyGroup(Operation *op, FlatSymbolRefAttr gridName,
                                 ArrayRef<int16_t> axes,
                                 SymbolTableCollection &symbolTable) {
  shard::GridOp grid = shard::getGridOrNull(op, gridName, symbolTable);
  if (!grid)
    return op->emitOpError() << "refers to " << gridName
                             << ", which is not a 'shard.grid'";
  if (axes.empty())
    return op->emitOpError("needs at least one grid axis");
  llvm::SmallDenseSet<int16_t> seen;
  for (int16_t axis : axes) {
    if (axis < 0 || axis >= grid.getRank())
      return op->emitOpError() << "grid axis " << axis << " is out of range "
                               << "for " << gridName << " of rank "
                               << grid.getRank();
    if (!seen.insert(axis).second)
      return op->emitOpError() << "repeats grid axis " << axis;
  }
  return success();
}

#define ASCEND_VERIFY_GROUP(OpTy)                                              \
  LogicalResult OpTy::verifySymbolUses(SymbolTableCollection &symbolTable) {   \
    return verifyGroup(*this, getGridAttr(), getGridAxes(), symbolTable);      \
  }
ASCEND_VERIFY_GROUP(AllReduceOp)
ASCEND_VERIFY_GROUP(AllGatherOp)
ASCEND_VERIFY_GROUP(ReduceScatterOp)
ASCEND_VERIFY_GROUP(AllToAllOp)
#undef ASCEND_VERIFY_GROUP
