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
/// A top-level op of the model and the letter Megatron's layout uses for it.
struct Unit {
  Operation *op;
  std::string name;
  char letter; ///< E, t, m, or L for the final norm, head and loss
  double cost = 0;          ///< seconds per micro-batch
  double staticBytes = 0;   ///< weights, gradients, optimizer state
  double savedBytes = 0;    ///< kept per micro-batch in flight
  /// The virtual stage a hand-set moe.placement fixes, if any.
  std::optional<int64_t> fixed;
};

/// The model's units in Megatron's layout order: E, the decoder layers, the
/// MTP layers, then L (final norm, head, loss). The final norm precedes the
/// MTP layers in the IR but belongs to L in a layout.
std::vector<Unit> unitsOf(ModelOp model) {
  std::vector<Unit> units;
  for (Operation &op : model.getBody().front()) {
    if (isa<DecoderLayerOp>(op))
      units.push_back({&op, layerName(&op), 't'});
    else if (isa<MTPLayerOp>(op))
      units.push_back({&op, layerName(&op), 'm'});
    else if (isa<EmbeddingOp>(op))
      units.push_back({&op, "embedding", 'E'});
    else
      units.push_back({&op, unitName(&op), 'L'});
  }
  std::stable_partition(units.begin(), units.end(), [](const Unit &unit) {
    return unit.letter != 'L';
  });
  return units;
}

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
      int count = std::stoi(match[2]);
      if (count > 100000)
        return model.emitError() << "pipeline layout repeats '" << body
                                 << "' " << count << " times; too many";
      std::string unrolled;
      for (int i = 0; i < count; ++i)
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
                               std::vector<Unit> &units);
  LogicalResult price(ModelOp model, LayoutAttr parallel,
                      std::vector<Unit> &units);
  LogicalResult honour(ModelOp model, LayoutAttr parallel,
                       std::vector<Unit> &units, SmallVector<int64_t> &stage);
  void balance(LayoutAttr parallel, const std::vector<Unit> &units,
               SmallVector<int64_t> &stage);
  bool split(LayoutAttr parallel, const std::vector<Unit> &units,
             double budget, SmallVector<int64_t> &stage);

  /// Device memory the stages may use (capacity less the reserve).
  double memoryBudget = 0;
  /// Micro-batches per step, for those in flight on each stage.
  int64_t microBatches = 0;
};
} // namespace

LogicalResult MoEBalanceStagesPass::place(ModelOp model) {
  auto parallel = model->getAttrOfType<LayoutAttr>(kLayoutAttr);
  if (!parallel || !parallel.isComplete())
    return model.emitError("moe-balance-stages needs the model's complete "
                           "moe.layout; run moe-shard first");
  std::vector<Unit> units = unitsOf(model);
  if (failed(readPlacements(model, parallel, units)))
    return failure();
  SmallVector<int64_t> stage(units.size(), 0);
  const std::string userLayout = layout;
  if (!userLayout.empty()) {
    if (failed(honour(model, parallel, units, stage)))
      return failure();
  } else if (parallel.getPp() * parallel.getVpp() > 1) {
    if (failed(price(model, parallel, units)))
      return failure();
    balance(parallel, units, stage);
  }
  Builder builder(&getContext());
  int64_t pp = parallel.getPp();
  for (auto [unit, virtualStage] : llvm::zip(units, stage))
    unit.op->setAttr(kPlacementAttr,
                     PlacementAttr::get(&getContext(), virtualStage % pp,
                                        virtualStage / pp));
  return success();
}

LogicalResult MoEBalanceStagesPass::readPlacements(ModelOp model,
                                                   LayoutAttr parallel,
                                                   std::vector<Unit> &units) {
  int64_t pp = parallel.getPp(), stages = pp * parallel.getVpp();
  int64_t lastChunk = stages - pp;
  std::optional<int64_t> previous;
  Operation *previousOp = nullptr;
  for (Unit &unit : units) {
    auto placement = unit.op->getAttrOfType<PlacementAttr>(kPlacementAttr);
    if (!placement)
      continue;
    int64_t v = placement.getChunk() * pp + placement.getStage();
    auto diag = [&]() {
      return unit.op->emitOpError()
             << "is placed by hand on stage " << placement.getStage()
             << ", chunk " << placement.getChunk() << " (virtual stage " << v
             << "), but ";
    };
    if (placement.getStage() >= pp || v >= stages)
      return diag() << "the layout has pp = " << pp
                    << ", vpp = " << parallel.getVpp();
    if (unit.letter == 'E' && v != 0)
      return diag() << "the embedding opens the first virtual stage";
    if (unit.letter == 'L' && v != stages - 1)
      return diag() << "the final norm, head and loss close the last virtual "
                       "stage ("
                    << stages - 1 << ")";
    if (unit.letter == 'm' && v < lastChunk)
      return diag() << "MTP layers belong to a rank's last chunk ("
                    << parallel.getVpp() - 1 << ")";
    if (previous && v < *previous)
      return diag() << "an earlier unit ('" << unitName(previousOp)
                    << "') is placed on virtual stage " << *previous
                    << "; units keep the model's order";
    previous = v;
    previousOp = unit.op;
    unit.fixed = v;
  }
  return success();
}

LogicalResult MoEBalanceStagesPass::honour(ModelOp model, LayoutAttr parallel,
                                           std::vector<Unit> &units,
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
  for (const Unit &unit : units)
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
    const Unit &unit = units[i];
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
  return success();
}

LogicalResult MoEBalanceStagesPass::price(ModelOp model, LayoutAttr parallel,
                                          std::vector<Unit> &units) {
  const std::string clusterSpec = cluster;
  if (clusterSpec.empty())
    return model.emitError("moe-balance-stages needs a cluster to price the "
                           "stages (cluster=PRESET), or a layout to honour");
  llvm::Expected<ClusterSpec> spec = loadCluster(clusterSpec);
  if (!spec)
    return model.emitError(llvm::toString(spec.takeError()));
  auto training = model->getAttrOfType<TrainingAttr>(kTrainingAttr);
  if (!training || !training.isComplete())
    return model.emitError("moe-balance-stages needs the model's complete "
                           "moe.training to price the stages; run moe-shard "
                           "first");

  // Each unit's work for one micro-batch, as the lowering will emit it.
  MicroBatchShape shape{training.getSeq(), training.getMicroBatch()};
  std::optional<double> skew = training.getSkew();
  Sharding sharding = shardingOf(
      model, parallel, shape.seq, shape.microBatch, spec->devicesPerNode.value,
      skew ? RoutingSkew{*skew} : defaultRoutingSkew(),
      training.getAttention() == AttentionCore::Unfused,
      training.getPrecision() == Precision::FP8);
  Grids grids = gridsOf(parallel, sharding);
  int64_t input = layerInputBytes(model, shape, sharding);
  bool distributed = parallel.getDistributedOptimizer();
  double denseShards = distributed ? parallel.getDp() * parallel.getCp() : 1;
  double expertShards = distributed ? parallel.getExpertDataParallel() : 1;
  for (Unit &unit : units) {
    UnitWork work = unitWorkOf(unit.op, shape, sharding);
    unit.cost = unitTime(work, grids, *spec);
    double dense = work.denseParams, expert = work.expertParams;
    unit.staticBytes = 6 * (dense + expert) +
                       12 * (dense / denseShards + expert / expertShards);
    unit.savedBytes = unitSavedBytes(work, input);
  }
  microBatches = training.getGlobalBatch() /
                 (training.getMicroBatch() * parallel.getDp());
  memoryBudget = spec->device.memoryBytes.value -
                 spec->device.runtimeReserveBytes.value;
  return success();
}

void MoEBalanceStagesPass::balance(LayoutAttr parallel,
                                   const std::vector<Unit> &units,
                                   SmallVector<int64_t> &stage) {
  // A virtual stage may use its rank's memory divided over the rank's
  // chunks; without a split that fits, keep the fastest.
  double share = memoryBudget / parallel.getVpp();
  SmallVector<int64_t> fastest(stage);
  split(parallel, units, std::numeric_limits<double>::infinity(), fastest);
  double unbounded = slowestStageMicros;
  if (split(parallel, units, share, stage)) {
    memoryBound = slowestStageMicros != unbounded;
    return;
  }
  stage = fastest;
  slowestStageMicros = unbounded;
}

/// Micro-batches in flight on each virtual stage at most: forwards run and
/// their backwards not yet, under the step's schedule.
static std::vector<int64_t> inFlight(int64_t pp, int64_t vpp,
                                     int64_t microBatches) {
  std::vector<int64_t> most(pp * vpp, 0);
  for (int64_t stage = 0; stage < pp; ++stage) {
    std::vector<int64_t> live(vpp, 0);
    for (const ScheduledRun &run :
         pipelineOrder(pp, vpp, microBatches, /*extraWarmup=*/0, stage)) {
      int64_t &count = live[run.chunk];
      count += run.phase == ascend::Phase::Forward ? 1 : -1;
      int64_t &peak = most[run.chunk * pp + stage];
      peak = std::max(peak, count);
    }
  }
  return most;
}

bool MoEBalanceStagesPass::split(LayoutAttr parallel,
                                 const std::vector<Unit> &units,
                                 double budget, SmallVector<int64_t> &stage) {
  const int64_t n = units.size(),
                stages = parallel.getPp() * parallel.getVpp();
  const int64_t lastChunk = stages - parallel.getPp();
  std::vector<int64_t> flights =
      inFlight(parallel.getPp(), parallel.getVpp(), microBatches);
  // Times in whole nanoseconds, so that splits whose stages cost the same
  // tie exactly, however the units' costs were summed, and the tie-break
  // below decides them.
  std::vector<int64_t> prefix(n + 1, 0);
  std::vector<double> statics(n + 1, 0), saved(n + 1, 0);
  for (int64_t i = 0; i < n; ++i) {
    prefix[i + 1] = prefix[i] + std::llround(units[i].cost * 1e9);
    statics[i + 1] = statics[i] + units[i].staticBytes;
    saved[i + 1] = saved[i] + units[i].savedBytes;
  }
  // The virtual stages each unit may take: the embedding opens the first
  // stage, the final norm, head and loss close the last, MTP layers sit in
  // a last chunk, and a hand-set placement is kept.
  std::vector<int64_t> lowest(n), highest(n);
  for (int64_t i = 0; i < n; ++i) {
    const Unit &unit = units[i];
    lowest[i] = unit.letter == 'L'   ? stages - 1
                : unit.letter == 'm' ? lastChunk
                                     : 0;
    highest[i] = unit.letter == 'E' ? 0 : stages - 1;
    if (unit.fixed)
      lowest[i] = highest[i] = *unit.fixed;
  }
  // best[j][i]: the best split of units [0, i) over stages [0, j): the
  // slowest stage first, then the sum of squared stage times, which spreads
  // the remaining work instead of leaving a stage empty. Of equal splits the
  // first found wins: the one with the lightest stages last.
  constexpr int64_t kUnreachable = std::numeric_limits<int64_t>::max();
  struct Split {
    int64_t slowest = kUnreachable;
    double squares = 0;
    bool operator<(const Split &other) const {
      return std::tie(slowest, squares) < std::tie(other.slowest, other.squares);
    }
  };
  std::vector<std::vector<Split>> best(stages + 1, std::vector<Split>(n + 1));
  std::vector<std::vector<int64_t>> cut(stages + 1,
                                        std::vector<int64_t>(n + 1, 0));
  best[0][0] = {0, 0};
  for (int64_t j = 1; j <= stages; ++j)
    for (int64_t i = 0; i <= n; ++i) {
      // Units [k, i) as stage j - 1, growing the stage backwards: the units'
      // bounds and the memory only tighten, so the first misfit ends it.
      int64_t part = j - 1, from = 0, to = stages - 1;
      for (int64_t k = i; k >= 0; --k) {
        if (k < i) {
          from = std::max(from, lowest[k]);
          to = std::min(to, highest[k]);
        }
        double memory = statics[i] - statics[k] +
                        (saved[i] - saved[k]) * flights[part];
        if (from > part || memory > budget)
          break;
        const Split &before = best[j - 1][k];
        if (before.slowest == kUnreachable || part > to)
          continue;
        int64_t time = prefix[i] - prefix[k];
        Split split{std::max(before.slowest, time),
                    before.squares + double(time) * double(time)};
        if (split < best[j][i]) {
          best[j][i] = split;
          cut[j][i] = k;
        }
      }
    }
  if (best[stages][n].slowest == kUnreachable)
    return false;
  for (int64_t j = stages, i = n; j > 0; --j) {
    int64_t k = cut[j][i];
    for (int64_t u = k; u < i; ++u)
      stage[u] = j - 1;
    i = k;
  }
  slowestStageMicros = best[stages][n].slowest / 1000;
  LLVM_DEBUG(llvm::dbgs() << "moe-balance-stages: slowest stage "
                          << best[stages][n].slowest << " ns\n");
  return true;
}
