//===- BalanceStages.cpp - place model units on pipeline stages -----------===//
//
// A global decision: price every unit (embedding, layer, MTP layer, final
// norm, head, loss) with the cost interpreter's own kernel and collective
// times, then split the ordered units over the virtual stages so that the
// slowest is as fast as it can be, or honour a user's Megatron layout
// string. Writes `moe.stage` only.
//
//===----------------------------------------------------------------------===//

#include "dialects/ascend/AscendOps.h"
#include "dialects/moe/MoEOps.h"
#include "moeplan/Analysis/ModelAnalysis.h"
#include "moeplan/Conversion/OpKernels.h"
#include "moeplan/Conversion/Passes.h"
#include "moeplan/Cost/Interpreter.h"
#include "moeplan/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringMap.h"
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
};
} // namespace

LogicalResult MoEBalanceStagesPass::place(ModelOp model) {
  auto parallel = model->getAttrOfType<LayoutAttr>("moe.layout");
  if (!parallel)
    return model.emitError("moe-balance-stages needs the model's moe.layout; "
                           "run moe-shard first");
  std::vector<Unit> units = unitsOf(model);
  SmallVector<int64_t> stage(units.size(), 0);
  const std::string userLayout = layout;
  if (!userLayout.empty()) {
    if (failed(honour(model, parallel, units, stage)))
      return failure();
  } else {
    if (failed(price(model, parallel, units)))
      return failure();
    balance(parallel, units, stage);
  }
  Builder builder(&getContext());
  for (auto [unit, virtualStage] : llvm::zip(units, stage))
    unit.op->setAttr("moe.stage", builder.getI64IntegerAttr(virtualStage));
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
      continue;
    }
    stage[i] = letterStage[next++];
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

  // Lower a copy with the same layout and price every op of one micro-batch.
  OwningOpRef<ModuleOp> copy = ModuleOp::create(model.getLoc());
  OpBuilder builder = OpBuilder::atBlockEnd(copy->getBody());
  Operation *clone = builder.clone(*model);
  clone->walk([](Operation *op) { op->removeAttr("moe.stage"); });
  PassManager pm(&getContext());
  ConvertMoEToAscendPassOptions options;
  options.seq = seq;
  options.microBatch = microBatch;
  // Any count the schedule accepts: the cost of one micro-batch is priced.
  options.microBatches = parallel.getPp();
  options.recompute = recompute;
  options.attention = attention;
  options.precision = precision;
  options.devicesPerNode = spec->devicesPerNode.value;
  pm.addPass(createConvertMoEToAscendPass(options));
  if (failed(pm.run(*copy)))
    return failure();

  llvm::StringMap<double> cost;
  copy->walk([&](Operation *op) {
    auto stream = op->getAttrOfType<ascend::StreamAttr>("stream");
    // Once-per-step data-parallel work and pipeline transfers are not a
    // unit's per-micro-batch cost.
    if (!stream || op->hasAttr("only") ||
        isa<ascend::SendOp, ascend::RecvOp>(op))
      return;
    if (std::optional<double> time = opDuration(op, *spec)) {
      StringRef name = op->getAttrOfType<StringAttr>("name").getValue();
      cost[name.split('.').first] += *time;
    }
  });
  for (Unit &unit : units)
    unit.cost = cost.lookup(unit.name);

  // Memory, from the same per-op work the lowering emits.
  Sharding sharding =
      shardingOf(model, parallel, seq, microBatch, spec->devicesPerNode.value,
                 defaultRoutingSkew(), attention == "unfused");
  bool distributed = parallel.getDistributedOptimizer();
  double denseShards = distributed ? parallel.getDp() * parallel.getCp() : 1;
  double expertShards = distributed ? parallel.getExpertDataParallel() : 1;
  const std::string policy = recompute;
  double layerInput = 2.0 * model.getHiddenSize() * seq * microBatch /
                      sharding.cp / (sharding.sp ? sharding.tp : 1);
  MicroBatchShape shape{seq, microBatch};
  for (Unit &unit : units) {
    double dense = 0, expert = 0, saved = 0;
    unit.op->walk([&](Operation *leaf) {
      if (leaf->getNumRegions() != 0)
        return;
      OpKernels work = lowerOpKernels(leaf, shape, sharding, "");
      dense += work.denseParams;
      expert += work.expertParams;
      for (const SavedSpec &tensor : work.saved)
        if (policy != "selective" ||
            tensor.kind != SavedTensorKind::AttentionCore)
          saved += tensor.bytes;
    });
    unit.staticBytes = 6 * (dense + expert) +
                       12 * (dense / denseShards + expert / expertShards);
    unit.savedBytes = policy == "full" && unit.letter != 'E' &&
                              unit.letter != 'L'
                          ? layerInput
                          : saved;
  }
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
      inFlight(parallel.getPp(), parallel.getVpp(),
               microBatches > 0 ? int64_t(microBatches) : parallel.getPp());
  std::vector<double> prefix(n + 1, 0), statics(n + 1, 0), saved(n + 1, 0);
  for (int64_t i = 0; i < n; ++i) {
    prefix[i + 1] = prefix[i] + units[i].cost;
    statics[i + 1] = statics[i] + units[i].staticBytes;
    saved[i + 1] = saved[i] + units[i].savedBytes;
  }
  // Whether units [from, to) may form virtual stage `part`: the embedding
  // opens the first stage, the final norm, head and loss close the last,
  // MTP layers sit in a last chunk, and the stage fits its memory.
  auto allowed = [&](int64_t part, int64_t from, int64_t to) {
    for (int64_t i = from; i < to; ++i) {
      char letter = units[i].letter;
      if ((letter == 'E' && part != 0) || (letter == 'L' && part != stages - 1) ||
          (letter == 'm' && part < lastChunk))
        return false;
    }
    double memory = statics[to] - statics[from] +
                    (saved[to] - saved[from]) * flights[part];
    return memory <= budget;
  };
  // best[j][i]: the best split of units [0, i) over stages [0, j): the
  // slowest stage first, then the sum of squared stage times, which spreads
  // the remaining work instead of leaving a stage empty.
  struct Split {
    double slowest = std::numeric_limits<double>::infinity();
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
    for (int64_t i = 0; i <= n; ++i)
      for (int64_t k = i; k >= 0; --k) {
        const Split &before = best[j - 1][k];
        if (std::isinf(before.slowest) || !allowed(j - 1, k, i))
          continue;
        double time = prefix[i] - prefix[k];
        Split split{std::max(before.slowest, time),
                    before.squares + time * time};
        if (split < best[j][i]) {
          best[j][i] = split;
          cut[j][i] = k;
        }
      }
  if (std::isinf(best[stages][n].slowest))
    return false;
  for (int64_t j = stages, i = n; j > 0; --j) {
    int64_t k = cut[j][i];
    for (int64_t u = k; u < i; ++u)
      stage[u] = j - 1;
    i = k;
  }
  slowestStageMicros = int64_t(best[stages][n].slowest * 1e6);
  LLVM_DEBUG(llvm::dbgs() << "moe-balance-stages: slowest stage "
                          << best[stages][n].slowest << " s\n");
  return true;
}
