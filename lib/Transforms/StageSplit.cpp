//===- StageSplit.cpp - split ordered units over virtual pipeline stages --===//

#include "moeplan/Transforms/StageSplit.h"
#include "moeplan/Analysis/ModelAnalysis.h"
#include "dialects/moe/MoEConstants.h"
#include "moeplan/Cost/Interpreter.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

using namespace mlir;
using namespace mlir::moe;

namespace moeplan {

/// The model's units in Megatron's layout order: E, the decoder layers, the
/// MTP layers, then L (final norm, head, loss). The final norm precedes the
/// MTP layers in the IR but belongs to L in a layout.
std::vector<StageUnit> stageUnitsOf(ModelOp model) {
  std::vector<StageUnit> units;
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
  std::stable_partition(units.begin(), units.end(), [](const StageUnit &unit) {
    return unit.letter != 'L';
  });
  return units;
}


/// Micro-batches in flight on each virtual stage at most: forwards run and
/// their backwards not yet, under the step's schedule.
std::vector<int64_t> microBatchesInFlight(int64_t pp, int64_t vpp,
                                          int64_t microBatches,
                                          bool fbOverlap) {
  std::vector<int64_t> most(pp * vpp, 0);
  for (int64_t stage = 0; stage < pp; ++stage) {
    std::vector<int64_t> live(vpp, 0);
    for (const ScheduledRun &run :
         pipelineOrder(pp, vpp, microBatches,
                       /*extraWarmup=*/fbOverlap && vpp > 1 ? 1 : 0, stage)) {
      int64_t &count = live[run.chunk];
      count += run.phase == ascend::Phase::Forward ? 1 : -1;
      int64_t &peak = most[run.chunk * pp + stage];
      peak = std::max(peak, count);
    }
  }
  if (fbOverlap)
    for (int64_t &count : most)
      count = std::min(count + 1, microBatches);
  return most;
}


std::optional<StageSplit> splitStages(ArrayRef<StageUnit> units, int64_t pp,
                                      int64_t vpp, ArrayRef<int64_t> flights,
                                      double budget) {
  return StageSplitter(pp, vpp, flights, budget).split(units);
}

StageSplitter::StageSplitter(int64_t pp, int64_t vpp, ArrayRef<int64_t> flights,
                             double budget)
    : pp(pp), vpp(vpp), flights(flights.begin(), flights.end()),
      budget(budget) {}

/// What a unit contributes to the split, to see which units changed.
static bool sameForSplit(const StageUnit &a, const StageUnit &b) {
  return a.letter == b.letter && a.cost == b.cost &&
         a.staticBytes == b.staticBytes && a.savedBytes == b.savedBytes &&
         a.hostOptimizerBytes == b.hostOptimizerBytes &&
         a.transientBytes == b.transientBytes && a.fixed == b.fixed;
}

std::optional<StageSplit> StageSplitter::split(ArrayRef<StageUnit> units) {
  const int64_t n = units.size(), stages = pp * vpp;
  const int64_t lastChunk = stages - pp;
  // Cells of units [0, i) depend on those units alone: the ones before the
  // first unit that changed since the last call are kept.
  int64_t unchanged = 0;
  const bool fresh = int64_t(previous.size()) != n;
  if (!fresh)
    while (unchanged < n && sameForSplit(previous[unchanged], units[unchanged]))
      ++unchanged;
  else {
    prefix.assign(n + 1, 0);
    statics.assign(n + 1, 0);
    saved.assign(n + 1, 0);
    host.assign(n + 1, 0);
    lowest.assign(n, 0);
    highest.assign(n, 0);
    best.assign((stages + 1) * (n + 1), Split{});
    cut.assign((stages + 1) * (n + 1), 0);
  }
  previous.assign(units.begin(), units.end());
  // Times in whole nanoseconds, so that splits whose stages cost the same
  // tie exactly, however the units' costs were summed, and the tie-break
  // below decides them.
  for (int64_t i = unchanged; i < n; ++i) {
    prefix[i + 1] = prefix[i] + std::llround(units[i].cost * 1e9);
    statics[i + 1] = statics[i] + units[i].staticBytes;
    saved[i + 1] = saved[i] + units[i].savedBytes;
    host[i + 1] = host[i] + units[i].hostOptimizerBytes;
    // The virtual stages each unit may take: the embedding opens the first
    // stage, the final norm, head and loss close the last, MTP layers sit
    // in a last chunk, and a hand-set placement is kept.
    const StageUnit &unit = units[i];
    lowest[i] = unit.letter == 'L'   ? stages - 1
                : unit.letter == 'm' ? lastChunk
                                     : 0;
    highest[i] = unit.letter == 'E' ? 0 : stages - 1;
    if (unit.fixed)
      lowest[i] = highest[i] = *unit.fixed;
  }
  // The last split, priced with the units as they are now, is a split the
  // best is no slower than (without a memory budget, which it may now
  // break): cells slower than it cannot be on the best split's path, and
  // are left unreachable. Kept cells are exact up to the bound they were
  // computed under, so they are reused only when the new bound is no
  // larger.
  const bool bounded = std::isfinite(budget);
  int64_t bound = kUnreachable;
  if (!bounded && int64_t(lastSplit.size()) == n) {
    std::vector<int64_t> times(stages, 0);
    bool fits = true;
    for (int64_t u = 0; u < n; ++u) {
      int64_t v = lastSplit[u];
      fits &= lowest[u] <= v && v <= highest[u];
      times[v] += prefix[u + 1] - prefix[u];
    }
    if (fits)
      bound = *std::max_element(times.begin(), times.end());
  }
  const bool reuse = !fresh && bound <= cellsBound;
  cellsBound = bound;
  // best[j][i]: the best split of units [0, i) over stages [0, j): the
  // slowest stage first, then the sum of squared stage times, which spreads
  // the remaining work instead of leaving a stage empty. Of equal splits the
  // first found wins: the one with the lightest stages last. Flat tables,
  // row j for stages [0, j).
  auto at = [&](int64_t j, int64_t i) { return j * (n + 1) + i; };
  best[at(0, 0)] = {0, 0};
  for (int64_t j = 1; j <= stages; ++j)
    for (int64_t i = reuse ? unchanged + 1 : 0; i <= n; ++i) {
      // Units [k, i) as stage j - 1, growing the stage backwards: the units'
      // bounds and the memory only tighten, and the stage's time only grows,
      // so the first misfit ends it, and so does a time over the slowest
      // stage of the best split so far (no smaller k can beat it).
      int64_t part = j - 1, from = 0, to = stages - 1;
      double transient = 0;
      Split &chosen = best[at(j, i)];
      chosen = Split{};
      cut[at(j, i)] = 0;
      for (int64_t k = i; k >= 0; --k) {
        if (k < i) {
          from = std::max(from, lowest[k]);
          to = std::min(to, highest[k]);
          transient = std::max(transient, units[k].transientBytes);
        }
        if (from > part)
          break;
        if (bounded) {
          double memory =
              statics[i] - statics[k] +
              std::max((saved[i] - saved[k]) * flights[part] + transient,
                       host[i] - host[k]);
          if (memory > budget)
            break;
        }
        int64_t time = prefix[i] - prefix[k];
        // (An unreachable split's slowest is the largest time of all.)
        if (time > std::min(bound, chosen.slowest))
          break;
        const Split &before = best[at(j - 1, k)];
        if (before.slowest == kUnreachable || before.slowest > bound ||
            part > to)
          continue;
        Split split{std::max(before.slowest, time),
                    before.squares + double(time) * double(time)};
        if (split < chosen) {
          chosen = split;
          cut[at(j, i)] = k;
        }
      }
    }
  if (best[at(stages, n)].slowest == kUnreachable) {
    lastSplit.clear();
    return std::nullopt;
  }
  StageSplit result;
  result.stage.assign(n, 0);
  for (int64_t j = stages, i = n; j > 0; --j) {
    int64_t k = cut[at(j, i)];
    for (int64_t u = k; u < i; ++u)
      result.stage[u] = j - 1;
    i = k;
  }
  result.slowestNanos = best[at(stages, n)].slowest;
  lastSplit = result.stage;
  return result;
}

double stageMemory(ArrayRef<StageUnit> units, ArrayRef<int64_t> stage,
                   ArrayRef<int64_t> flights, int64_t virtualStage) {
  double statics = 0, activations = 0, transient = 0, host = 0;
  for (auto [unit, v] : llvm::zip(units, stage))
    if (v == virtualStage) {
      statics += unit.staticBytes;
      activations += unit.savedBytes * flights[v];
      transient = std::max(transient, unit.transientBytes);
      host += unit.hostOptimizerBytes;
    }
  return statics + std::max(activations + transient, host);
}

std::optional<StagePricing> StagePricing::of(ModelOp model,
                                             const ClusterSpec &cluster) {
  auto layout = model->getAttrOfType<LayoutAttr>(kLayoutAttr);
  auto training = model->getAttrOfType<TrainingAttr>(kTrainingAttr);
  if (!layout || !layout.isComplete() || !training || !training.isComplete())
    return std::nullopt;
  StagePricing p;
  p.cluster = cluster;
  p.shape = {training.getSeq(), training.getMicroBatch()};
  std::optional<double> skew = training.getSkew();
  p.sharding = shardingOf(
      model, layout, p.shape.seq, p.shape.microBatch,
      cluster.devicesPerNode.value,
      skew ? RoutingSkew{*skew} : defaultRoutingSkew(),
      training.getAttention() == AttentionCore::Unfused,
      training.getPrecision() == Precision::FP8);
  p.grids = gridsOf(layout, p.sharding);
  p.layerInput = layerInputBytes(model, p.shape, p.sharding);
  if (layout.getDistributedOptimizer()) {
    p.denseShards = layout.getDp() * layout.getCp();
    p.expertShards = layout.getExpertDataParallel();
  }
  p.microBatches =
      training.getGlobalBatch() / (training.getMicroBatch() * layout.getDp());
  p.memoryBudget = cluster.device.memoryBytes.value -
                   cluster.device.runtimeReserveBytes.value;
  p.swapOptimizer = swapsOptimizer(model);
  p.fbOverlap = anyFBOverlap(model);
  return p;
}

// Mixed precision: bf16 weights, fp32 gradients, fp32 master weights and
// two Adam moments, sharded by the distributed optimizer.
double StagePricing::weightAndGradBytes(const UnitWork &work) const {
  return 6 * double(work.denseParams + work.expertParams);
}

double StagePricing::optimizerBytes(const UnitWork &work) const {
  return 12 * (work.denseParams / denseShards +
               work.expertParams / expertShards);
}

void StagePricing::price(StageUnit &unit, const UnitWork &work,
                         const PricedUnit &priced) const {
  unit.cost = priced.time();
  unit.transientBytes = priced.transientBytes();
  double optimizer = optimizerBytes(work);
  unit.staticBytes = weightAndGradBytes(work) + (swapOptimizer ? 0 : optimizer);
  unit.hostOptimizerBytes = swapOptimizer ? optimizer : 0;
  unit.optimizerBytes = optimizer;
  unit.savedBytes = priced.savedBytes(layerInput);
}

} // namespace moeplan
