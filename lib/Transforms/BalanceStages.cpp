//===- BalanceStages.cpp - place model units on pipeline stages -----------===//
//
// A global decision: price every unit (embedding, layer, MTP layer, final
// norm, head, loss) with the cost interpreter's own kernel and collective
// times (lib/Cost/UnitCost, no lowering), then split the ordered units over
// the virtual stages so that the slowest is as fast as it can be, around
// any placement set by hand, or honour a user's Megatron layout string.
// Writes `moe.placement` only.
//
//===----------------------------------------------------------------------===//

#include "dialects/moe/MoEConstants.h"
#include "dialects/moe/MoEOps.h"
#include "moeplan/Analysis/ModelAnalysis.h"
#include "moeplan/Cost/Interpreter.h"
#include "moeplan/Cost/UnitCost.h"
#include "moeplan/Transforms/Passes.h"
#include "moeplan/Transforms/StageSplit.h"

#include "mlir/IR/Builders.h"
#include "llvm/Support/Debug.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>
#include <regex>

#define DEBUG_TYPE "moe-balance-stages"

namespace moeplan {
#define GEN_PASS_DEF_MOEBALANCESTAGESPASS
#include "moeplan/Transforms/Passes.h.inc"
} // namespace moeplan

using namespace mlir;
using namespace mlir::moe;
using namespace moeplan;

namespace {
/// Unrolls `(...)*N` and `x*N` and splits at `|`, as Megatron does.
FailureOr<std::vector<std::string>> expandLayout(ModelOp model,
                                                 StringRef text) {
  std::string layout;
  for (char c : text)
    if (c != ',' && c != ' ')
      layout += c;
  for (const char *pattern : {R"(\(([^()]+)\)\*(\d+))", R"((.)\*(\d+))"}) {
    std::regex repeat(pattern);
    std::smatch match;
    while (std::regex_search(layout, match, repeat)) {
      std::string body = match[1];
      // A layout names each unit once, so it is never longer than a few
      // characters per layer; past a million it is a typo, not a model.
      constexpr size_t kMaxLength = 1 << 20;
      uint64_t count = 0;
      if (StringRef(match[2].str()).getAsInteger(10, count) ||
          count > kMaxLength ||
          layout.size() + body.size() * count > kMaxLength)
        return model.emitError()
               << "pipeline layout repeats '" << body << "' " << match[2].str()
               << " times; a layout unrolls to at most " << kMaxLength
               << " characters";
      std::string unrolled;
      for (uint64_t i = 0; i < count; ++i)
        unrolled += body;
      layout.replace(match.position(0), match.length(0), unrolled);
    }
  }
  std::vector<std::string> stages(1);
  for (char c : layout) {
    if (c == '|') {
      stages.emplace_back();
    } else if (c == 'E' || c == 't' || c == 'm' || c == 'L') {
      stages.back() += c;
    } else {
      return model.emitError()
             << "pipeline layout '" << text << "' has '" << c
             << "'; use E (embedding), t (decoder layer), m (MTP layer), L "
                "(final norm, head and loss), | between stages, (...)*N";
    }
  }
  return stages;
}

class MoEBalanceStagesPass
    : public moeplan::impl::MoEBalanceStagesPassBase<MoEBalanceStagesPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    for (ModelOp model : getOperation().getOps<ModelOp>())
      if (failed(place(model)))
        return signalPassFailure();
  }

private:
  LogicalResult place(ModelOp model);
  LogicalResult readPlacements(ModelOp model, LayoutAttr parallel,
                               std::vector<StageUnit> &units);
  LogicalResult price(ModelOp model, LayoutAttr parallel,
                      std::vector<StageUnit> &units);
  LogicalResult honour(ModelOp model, LayoutAttr parallel,
                       std::vector<StageUnit> &units, SmallVector<int64_t> &stage);
  void balance(LayoutAttr parallel, const std::vector<StageUnit> &units,
               SmallVector<int64_t> &stage);

  /// Device memory the stages may use (capacity less the reserve).
  double memoryBudget = 0;
  /// Micro-batches per step, for those in flight on each stage.
  int64_t microBatches = 0;
  bool fbOverlap = false; ///< the schedule pairs backward with forward
};
} // namespace

LogicalResult MoEBalanceStagesPass::place(ModelOp model) {
  auto parallel = model->getAttrOfType<LayoutAttr>(kLayoutAttr);
  if (!parallel || !parallel.isComplete())
    return model.emitError("moe-balance-stages needs the model's complete "
                           "moe.layout; run moe-shard first");
  std::vector<StageUnit> units = stageUnitsOf(model);
  // A layout written by hand has not been through moe-shard's checks, and
  // the split allocates per virtual stage: each needs one unit (the final
  // norm, head and loss count as one, as in Megatron's layout).
  const int64_t fillable = llvm::count_if(units, [](const StageUnit &unit) {
    return unit.letter != 'L' || unit.name == "loss";
  });
  const int64_t pp = parallel.getPp(), vpp = parallel.getVpp();
  if (pp > fillable || vpp > fillable || pp * vpp > fillable)
    return model.emitError()
           << "PP x VPP = " << pp << " x " << vpp
           << " pipeline stages cannot be filled by the model's " << fillable
           << " pipeline units (embedding, layers, MTP layers, loss; each "
              "stage needs one)";
  if (failed(readPlacements(model, parallel, units)))
    return failure();
  SmallVector<int64_t> stage(units.size(), 0);
  const std::string userLayout = layout;
  if (!userLayout.empty()) {
    if (failed(honour(model, parallel, units, stage)))
      return failure();
  } else if (pp * vpp > 1) {
    if (failed(price(model, parallel, units)))
      return failure();
    balance(parallel, units, stage);
  }
  Builder builder(&getContext());
  for (auto [unit, virtualStage] : llvm::zip(units, stage))
    unit.op->setAttr(kPlacementAttr,
                     PlacementAttr::get(&getContext(), virtualStage % pp,
                                        virtualStage / pp));
  return success();
}

LogicalResult MoEBalanceStagesPass::readPlacements(ModelOp model,
                                                   LayoutAttr parallel,
                                                   std::vector<StageUnit> &units) {
  // Hand-set placements must fit the layout and Megatron's order; the split
  // keeps them. Checked here too, since a search runs without the verifier.
  if (failed(model.verifyPlacements()))
    return failure();
  int64_t pp = parallel.getPp();
  for (StageUnit &unit : units)
    if (auto placement = unit.op->getAttrOfType<PlacementAttr>(kPlacementAttr))
      unit.fixed = placement.getChunk() * pp + placement.getStage();
  return success();
}

LogicalResult MoEBalanceStagesPass::honour(ModelOp model, LayoutAttr parallel,
                                           std::vector<StageUnit> &units,
                                           SmallVector<int64_t> &stage) {
  const std::string text = this->layout;
  FailureOr<std::vector<std::string>> stages = expandLayout(model, text);
  if (failed(stages))
    return failure();
  int64_t pp = parallel.getPp(), vpp = parallel.getVpp();
  if (int64_t(stages->size()) != pp * vpp)
    return model.emitError() << "pipeline layout '" << text << "' has "
                             << stages->size()
                             << " stages but PP x VPP = " << pp << " x "
                             << vpp << " = " << pp * vpp;
  std::string letters;
  std::vector<int64_t> letterStage;
  for (auto [index, segment] : llvm::enumerate(*stages))
    for (char c : segment) {
      letters += c;
      letterStage.push_back(index);
    }
  std::string expected;
  for (const StageUnit &unit : units)
    if (unit.letter != 'L' || unit.name == "loss")
      expected += unit.letter;
  if (letters != expected) {
    auto count = [](StringRef s, char c) { return llvm::count(s, c); };
    return model.emitError()
           << "pipeline layout '" << text << "' places " << count(letters, 'E')
           << " embedding, " << count(letters, 't') << " decoder layers, "
           << count(letters, 'm') << " MTP layers and " << count(letters, 'L')
           << " loss, in that order; the model needs E first, "
           << count(expected, 't') << " t, " << count(expected, 'm')
           << " m and L last";
  }
  // L stands for the final norm, head and loss together; Megatron keeps MTP
  // layers in a rank's last chunk.
  size_t next = 0;
  for (size_t i = 0; i < units.size(); ++i) {
    const StageUnit &unit = units[i];
    if (unit.letter == 'L') {
      stage[i] = letterStage.back();
      if (unit.fixed && *unit.fixed != stage[i])
        return unit.op->emitOpError()
               << "is placed by hand on virtual stage " << *unit.fixed
               << " but pipeline layout '" << text << "' puts it on "
               << stage[i];
      continue;
    }
    stage[i] = letterStage[next++];
    if (unit.fixed && *unit.fixed != stage[i])
      return unit.op->emitOpError()
             << "is placed by hand on virtual stage " << *unit.fixed
             << " but pipeline layout '" << text << "' puts it on "
             << stage[i];
    if (unit.letter == 'm' && stage[i] / pp != vpp - 1)
      return model.emitError() << "pipeline layout '" << text << "' puts "
                               << unit.name << " in chunk " << stage[i] / pp
                               << "; MTP layers belong to a rank's last chunk ("
                               << vpp - 1 << ")";
  }
  // The letters may be in order with a stage left empty before E or after
  // L, which Megatron does not accept either.
  if (stage.front() != 0)
    return model.emitError() << "pipeline layout '" << text
                             << "' puts the embedding on virtual stage "
                             << stage.front()
                             << "; it opens the first (0)";
  if (stage.back() != pp * vpp - 1)
    return model.emitError() << "pipeline layout '" << text
                             << "' puts the loss on virtual stage "
                             << stage.back() << "; it closes the last ("
                             << pp * vpp - 1 << ")";
  return success();
}

LogicalResult MoEBalanceStagesPass::price(ModelOp model, LayoutAttr parallel,
                                          std::vector<StageUnit> &units) {
  const std::string clusterSpec = cluster;
  if (clusterSpec.empty())
    return model.emitError("moe-balance-stages needs a cluster to price the "
                           "stages (cluster=PRESET), or a layout to honour");
  llvm::Expected<ClusterSpec> spec = loadCluster(clusterSpec);
  if (!spec)
    return model.emitError(llvm::toString(spec.takeError()));
  std::optional<StagePricing> pricing = StagePricing::of(model, *spec);
  if (!pricing)
    return model.emitError("moe-balance-stages needs the model's complete "
                           "moe.training to price the stages; run moe-shard "
                           "first");
  if (pricing->sharding.fp8)
    if (std::optional<std::string> unsupported = fp8Unsupported(spec->device))
      return model.emitError(*unsupported);
  for (StageUnit &unit : units) {
    UnitWork work = unitWorkOf(unit.op, pricing->shape, pricing->sharding);
    pricing->price(unit, work, priceUnit(work, pricing->grids, *spec));
  }
  microBatches = pricing->microBatches;
  memoryBudget = pricing->memoryBudget;
  fbOverlap = pricing->fbOverlap;
  return success();
}

void MoEBalanceStagesPass::balance(LayoutAttr parallel,
                                   const std::vector<StageUnit> &units,
                                   SmallVector<int64_t> &stage) {
  // A virtual stage may use its rank's memory divided over the rank's
  // chunks; without a split that fits, keep the fastest.
  int64_t pp = parallel.getPp(), vpp = parallel.getVpp();
  std::vector<int64_t> flights =
      microBatchesInFlight(pp, vpp, microBatches, fbOverlap);
  std::optional<StageSplit> fastest = splitStages(
      units, pp, vpp, flights, std::numeric_limits<double>::infinity());
  std::optional<StageSplit> fitting =
      splitStages(units, pp, vpp, flights, memoryBudget / vpp);
  // Hand-set placements are checked to leave a split, so the fastest exists.
  const StageSplit &chosen = fitting ? *fitting : *fastest;
  stage.assign(chosen.stage.begin(), chosen.stage.end());
  slowestStageMicros = chosen.slowestNanos / 1000;
  memoryBound = fitting && fitting->slowestNanos != fastest->slowestNanos;
  LLVM_DEBUG(llvm::dbgs() << "moe-balance-stages: slowest stage "
                          << chosen.slowestNanos << " ns\n");
}
