//===- SelectMemory.cpp - keep, recompute or swap each saved tensor --------===//
//
// Writes `moe.memory` on every op that saves tensors: a preset with
// Megatron's meanings, or (auto) the least added time that makes every
// virtual stage of the time-balanced split fit its memory, decided per
// tensor with the same prices the balancer and the lowering use. Choices
// already on an op are kept, so a user can pin any tensor and let the pass
// fill the rest.
//
//===----------------------------------------------------------------------===//

#include "dialects/moe/MoEConstants.h"
#include "dialects/moe/MoEOps.h"
#include "moeplan/Transforms/Passes.h"
#include "moeplan/Transforms/StageSplit.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "moe-select-memory"

namespace moeplan {
#define GEN_PASS_DEF_MOESELECTMEMORYPASS
#include "moeplan/Transforms/Passes.h.inc"
} // namespace moeplan

using namespace mlir;
using namespace mlir::moe;

namespace {
enum class Policy { None, Selective, Full, Auto };

/// One way to save memory on a unit: give `tensors` (op, tensor indices of
/// its PricedUnit) the choice `choice`.
struct Action {
  size_t unit;
  SmallVector<std::pair<unsigned, unsigned>, 8> tensors;
  MemoryChoice choice;
};

/// A unit under auto selection: its priced work, which of its tensors a
/// hand-set choice fixes, and its stage-split numbers.
struct Candidate {
  moeplan::PricedUnit priced;
  std::vector<std::vector<bool>> fixed; ///< [op][tensor]
  std::vector<mlir::Operation *> ops;   ///< the moe op of each priced op
  std::vector<std::string> prefixes;    ///< per op, its kernel-name prefix
};

/// The name moe.memory gives a saved tensor of the op whose kernels are
/// named `prefix`: its name within the op, with the unfused core's scores
/// decided as flash attention's statistics are.
StringRef decisionName(StringRef tensor, StringRef prefix) {
  StringRef local = tensor.drop_front(prefix.size() + 1);
  return local == "attention_scores" ? "softmax_lse" : local;
}

class MoESelectMemoryPass
    : public moeplan::impl::MoESelectMemoryPassBase<MoESelectMemoryPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    std::optional<Policy> chosen =
        llvm::StringSwitch<std::optional<Policy>>(policy)
            .Case("none", Policy::None)
            .Case("selective", Policy::Selective)
            .Case("full", Policy::Full)
            .Case("auto", Policy::Auto)
            .Default(std::nullopt);
    if (!chosen) {
      getOperation().emitError()
          << "moe-select-memory: unknown policy '" << policy
          << "'; expected none, selective, full or auto";
      return signalPassFailure();
    }
    if (*chosen == Policy::Auto) {
      const std::string spec = cluster;
      if (spec.empty()) {
        getOperation().emitError("moe-select-memory policy=auto needs the "
                                 "cluster whose memory it plans for "
                                 "(cluster=PRESET)");
        return signalPassFailure();
      }
      llvm::Expected<moeplan::ClusterSpec> loaded = moeplan::loadCluster(spec);
      if (!loaded) {
        getOperation().emitError(llvm::toString(loaded.takeError()));
        return signalPassFailure();
      }
      for (ModelOp model : getOperation().getOps<ModelOp>())
        if (failed(selectAuto(model, *loaded)))
          return signalPassFailure();
      return;
    }
    for (ModelOp model : getOperation().getOps<ModelOp>())
      model.walk([&](Operation *op) {
        if (op->getNumRegions() == 0)
          select(op, *chosen);
      });
  }

  /// Whether a hand-set choice keeps `layer` from being recomputed whole.
  static bool pinsAnything(Operation *layer) {
    bool pinned = false;
    layer->walk([&](Operation *op) {
      if (auto memory = op->getAttrOfType<MemoryAttr>(kMemoryAttr))
        for (NamedAttribute entry : memory.getChoices())
          pinned |= cast<MemoryChoiceAttr>(entry.getValue()).getValue() !=
                    MemoryChoice::Recompute;
    });
    return pinned;
  }

private:
  LogicalResult selectAuto(ModelOp model, const moeplan::ClusterSpec &cluster);
  void count(MemoryChoice choice) {
    switch (choice) {
    case MemoryChoice::Keep:
      ++numKept;
      break;
    case MemoryChoice::Recompute:
      ++numRecomputed;
      break;
    case MemoryChoice::Swap:
      ++numSwapped;
      break;
    }
  }

  /// The policy's choice for a tensor of `kind` saved by `op`.
  static MemoryChoice choiceFor(Operation *op, SavedTensorKind kind,
                                Policy policy) {
    switch (policy) {
    case Policy::None:
      return MemoryChoice::Keep;
    case Policy::Selective:
      return kind == SavedTensorKind::AttentionCore ? MemoryChoice::Recompute
                                                    : MemoryChoice::Keep;
    case Policy::Full: {
      // Layers recompute everything from their input; the embedding, final
      // norm, head and loss are not layers and keep theirs. A layer a
      // hand-set choice keeps from full recompute reruns op by op instead,
      // so each op keeps its input.
      Operation *layer = op->getParentOp();
      if (!isa<DecoderLayerOp, MTPLayerOp>(layer))
        return MemoryChoice::Keep;
      if (auto mtp = layer->getParentOfType<MTPLayerOp>())
        layer = mtp;
      if (kind == SavedTensorKind::LayerInput && pinsAnything(layer))
        return MemoryChoice::Keep;
      return MemoryChoice::Recompute;
    }
    case Policy::Auto:
      break;
    }
    llvm_unreachable("unknown policy");
  }

  void select(Operation *op, Policy policy) {
    SmallVector<SavedTensor> saved = savedTensors(op);
    if (saved.empty())
      return;
    auto given = op->getAttrOfType<MemoryAttr>(kMemoryAttr);
    NamedAttrList choices;
    for (const SavedTensor &tensor : saved) {
      StringRef name = localTensorName(tensor.name);
      std::optional<MemoryChoice> choice =
          given ? given.lookup(name) : std::nullopt;
      if (!choice)
        choice = choiceFor(op, tensor.kind, policy);
      count(*choice);
      choices.set(name, MemoryChoiceAttr::get(&getContext(), *choice));
    }
    op->setAttr(kMemoryAttr,
                MemoryAttr::get(&getContext(),
                                choices.getDictionary(&getContext())));
  }
};
} // namespace

/// Seconds of host transfer per micro-batch that a stage of `time` seconds
/// does not hide: swap-outs run under the forward (about a third of a
/// stage's time), swap-ins under the backward (the rest).
static double exposedSwap(double bytes, double time, double bandwidth) {
  double transfer = bytes / bandwidth;
  return std::max(0.0, transfer - time / 3) +
         std::max(0.0, transfer - 2 * time / 3);
}

LogicalResult MoESelectMemoryPass::selectAuto(ModelOp model,
                                              const moeplan::ClusterSpec &cluster) {
  using namespace moeplan;
  std::optional<StagePricing> pricing = StagePricing::of(model, cluster);
  if (!pricing)
    return model.emitError("moe-select-memory policy=auto needs the model's "
                           "complete moe.layout and moe.training; run "
                           "moe-shard first");
  if (pricing->sharding.fp8)
    if (std::optional<std::string> unsupported =
            fp8Unsupported(cluster.device))
      return model.emitError(*unsupported);
  auto layout = model->getAttrOfType<LayoutAttr>(kLayoutAttr);
  const int64_t pp = layout.getPp(), vpp = layout.getVpp();
  std::vector<StageUnit> units = stageUnitsOf(model);
  std::vector<Candidate> candidates;
  for (StageUnit &unit : units) {
    if (auto placement = unit.op->getAttrOfType<PlacementAttr>(kPlacementAttr))
      unit.fixed = placement.getChunk() * pp + placement.getStage();
    UnitWork work = unitWorkOf(unit.op, pricing->shape, pricing->sharding);
    Candidate &c = candidates.emplace_back();
    c.priced = priceUnit(work, pricing->grids, cluster);
    for (const OpKernels &op : work.ops) {
      auto given = op.op->getAttrOfType<MemoryAttr>(kMemoryAttr);
      std::vector<bool> &fixed = c.fixed.emplace_back();
      for (const SavedSpec &tensor : op.saved)
        fixed.push_back(given && given.lookup(decisionName(tensor.name, op.name)));
      c.ops.push_back(op.op);
      c.prefixes.push_back(op.name);
    }
    pricing->price(unit, work, c.priced);
  }
  auto reprice = [&](size_t u) {
    units[u].cost = candidates[u].priced.time();
    units[u].savedBytes = candidates[u].priced.savedBytes(pricing->layerInput);
    units[u].transientBytes = candidates[u].priced.transientBytes();
  };

  // The actions that could save memory on unit `u` from where it stands.
  auto actionsOf = [&](size_t u) {
    SmallVector<Action> actions;
    const Candidate &c = candidates[u];
    const PricedUnit &priced = c.priced;
    // The runtimes recompute and swap inside decoder and MTP layers only;
    // the embedding, final norm, head and loss keep what they save.
    if (!priced.isLayer)
      return actions;
    Action full{u, {}, MemoryChoice::Recompute};
    bool fullPossible = priced.isLayer;
    for (auto [o, op] : llvm::enumerate(priced.ops)) {
      Action core{u, {}, MemoryChoice::Recompute};
      Action rerun{u, {}, MemoryChoice::Recompute};
      for (auto [t, tensor] : llvm::enumerate(op.saved)) {
        if (c.fixed[o][t]) {
          fullPossible &= tensor.choice == MemoryChoice::Recompute;
          continue;
        }
        full.tensors.push_back({unsigned(o), unsigned(t)});
        if (tensor.choice != MemoryChoice::Keep)
          continue;
        if (tensor.kind == SavedTensorKind::AttentionCore)
          core.tensors.push_back({unsigned(o), unsigned(t)});
        // An op reruns from its input, so it keeps the input.
        if (tensor.kind != SavedTensorKind::LayerInput)
          rerun.tensors.push_back({unsigned(o), unsigned(t)});
        if (swap)
          actions.push_back({u, {{unsigned(o), unsigned(t)}}, MemoryChoice::Swap});
      }
      if (!core.tensors.empty())
        actions.push_back(core);
      if (!rerun.tensors.empty() && rerun.tensors.size() != core.tensors.size())
        actions.push_back(rerun);
    }
    if (fullPossible && !full.tensors.empty() && !priced.isFullRecompute())
      actions.push_back(full);
    return actions;
  };
  auto apply = [&](const Action &action, PricedUnit &priced) {
    for (auto [o, t] : action.tensors)
      priced.ops[o].saved[t].choice = action.choice;
  };

  // The optimizer state may go to host memory too (MindSpeed's
  // --swap-optimizer, which needs the distributed optimizer): one decision
  // for the model, unless set by hand.
  auto given = model->getAttrOfType<MemoryAttr>(kMemoryAttr);
  bool optimizerOnHost = pricing->swapOptimizer;
  const bool optimizerOpen = swap && layout.getDistributedOptimizer() &&
                             !(given && given.lookup(kOptimizerState));
  auto placeOptimizer = [&](std::vector<StageUnit> &all, bool onHost) {
    for (StageUnit &unit : all) {
      double resident = unit.hostOptimizerBytes ? 0 : unit.optimizerBytes;
      unit.staticBytes += (onHost ? -resident : unit.hostOptimizerBytes);
      unit.hostOptimizerBytes = onHost ? unit.optimizerBytes : 0;
    }
  };

  std::vector<int64_t> flights =
      microBatchesInFlight(pp, vpp, pricing->microBatches,
                           pricing->fbOverlap);
  const double share = pricing->memoryBudget / vpp;
  const double hostBandwidth = cluster.device.hostLinkBandwidth.value;
  // Every action turns at least one kept tensor into another choice, so
  // the loop ends; the bound only guards against a split that oscillates.
  size_t limit = 4;
  for (const Candidate &c : candidates)
    for (const PricedUnit::Op &op : c.priced.ops)
      limit += op.saved.size() + 1;
  // One splitter for every round: a round changes one unit, and the split
  // reuses what the units before it decided.
  StageSplitter splitter(pp, vpp, flights,
                         std::numeric_limits<double>::infinity());
  for (size_t round = 0; round < limit; ++round) {
    std::optional<StageSplit> split = splitter.split(units);
    if (!split)
      break;
    // The virtual stage furthest over its memory.
    int64_t worst = -1;
    double overflow = 0;
    for (int64_t v = 0; v < pp * vpp; ++v) {
      double over = stageMemory(units, split->stage, flights, v) - share;
      if (over > overflow) {
        overflow = over;
        worst = v;
      }
    }
    if (worst < 0)
      break;
    double stageTime = 0, stageSwapped = 0;
    for (size_t u = 0; u < units.size(); ++u)
      if (split->stage[u] == worst) {
        stageTime += units[u].cost;
        stageSwapped += candidates[u].priced.swappedBytes();
      }
    // The stage's largest transient without unit `u`, to see what an
    // action on `u` adds to it.
    auto transientWithout = [&](size_t skip) {
      double most = 0;
      for (size_t u = 0; u < units.size(); ++u)
        if (split->stage[u] == worst && u != skip)
          most = std::max(most, units[u].transientBytes);
      return most;
    };
    double exposedBefore = exposedSwap(stageSwapped, stageTime, hostBandwidth);
    // Greedy by added time per byte saved, unless one action covering the
    // whole overflow costs less than the greedy's rate over it.
    // The best rate among actions that save memory net of the transient
    // they add, and (to step past a stage's first larger transient, which
    // later actions share) among all by their kept bytes alone.
    struct Best {
      std::optional<Action> action;
      double rate = std::numeric_limits<double>::infinity(), bytes = 0;
      // Of equal rates (swaps the host link hides cost nothing), the larger
      // saving first: fewer, bigger transfers.
      void offer(const Action &candidate, double added, double saved) {
        if (added / saved < rate || (added / saved == rate && saved > bytes)) {
          rate = added / saved;
          bytes = saved;
          action = candidate;
        }
      }
    } net, gross;
    std::optional<Action> bestCover;
    double coverCost = std::numeric_limits<double>::infinity();
    // The optimizer state to host memory: its transfer in and out around
    // each step's optimizer, amortised over the step's micro-batches.
    bool optimizerBest = false;
    if (optimizerOpen && !optimizerOnHost) {
      std::vector<StageUnit> moved = units;
      placeOptimizer(moved, true);
      double saved = stageMemory(units, split->stage, flights, worst) -
                     stageMemory(moved, split->stage, flights, worst);
      double bytes = 0;
      for (size_t u = 0; u < units.size(); ++u)
        if (split->stage[u] == worst)
          bytes += units[u].optimizerBytes;
      double added = 2 * bytes / hostBandwidth / pricing->microBatches;
      if (saved > 0) {
        Action none{0, {}, MemoryChoice::Swap};
        net.offer(none, added, saved);
        optimizerBest = net.bytes == saved && net.rate == added / saved;
        if (saved >= overflow && added < coverCost) {
          coverCost = added;
          bestCover.reset();
          optimizerBest = true;
        }
      }
    }
    for (size_t u = 0; u < units.size(); ++u) {
      if (split->stage[u] != worst)
        continue;
      // Each action is tried on the unit in place and undone, which
      // prices it exactly as a copy would, without copying the unit.
      PricedUnit &priced = candidates[u].priced;
      const int64_t savedBefore = priced.savedBytes(pricing->layerInput),
                    transientBefore = priced.transientBytes(),
                    swappedBefore = priced.swappedBytes();
      const double timeBefore = priced.time();
      double others = -1; // transientWithout(u), when first needed
      for (const Action &action : actionsOf(u)) {
        llvm::SmallVector<MemoryChoice, 16> undo;
        for (auto [o, t] : action.tensors)
          undo.push_back(priced.ops[o].saved[t].choice);
        apply(action, priced);
        const int64_t savedAfter = priced.savedBytes(pricing->layerInput),
                      transientAfter = priced.transientBytes(),
                      swappedAfter = priced.swappedBytes();
        const double timeAfter = priced.time();
        for (auto [k, tensor] : llvm::enumerate(action.tensors))
          priced.ops[tensor.first].saved[tensor.second].choice = undo[k];
        // Kept bytes count once per micro-batch in flight; a larger
        // transient is paid once per stage.
        double kept = double(savedBefore - savedAfter) * flights[worst];
        if (kept <= 0)
          continue;
        if (others < 0)
          others = transientWithout(u);
        double saved =
            kept - (std::max(others, double(transientAfter)) -
                    std::max(others, double(transientBefore)));
        double added = timeAfter - timeBefore;
        added += exposedSwap(stageSwapped + swappedAfter - swappedBefore,
                             stageTime + added, hostBandwidth) -
                 exposedBefore;
        gross.offer(action, added, kept);
        if (saved > 0)
          net.offer(action, added, saved);
        if (saved >= overflow && added < coverCost) {
          coverCost = added;
          bestCover = action;
        }
      }
    }
    const Best &best = net.action ? net : gross;
    if (!best.action)
      break; // nothing left to save on the stage: the report shows it
    if (optimizerBest && (!bestCover || coverCost > best.rate * overflow)) {
      optimizerOnHost = true;
      placeOptimizer(units, true);
      ++numActions;
      continue;
    }
    const Action &chosen = bestCover && coverCost <= best.rate * overflow
                               ? *bestCover
                               : *best.action;
    apply(chosen, candidates[chosen.unit].priced);
    reprice(chosen.unit);
    ++numActions;
    LLVM_DEBUG(llvm::dbgs() << "moe-select-memory: stage " << worst << " over by "
                            << overflow << " B; " << units[chosen.unit].name
                            << " " << chosen.tensors.size() << " tensors -> "
                            << stringifyMemoryChoice(chosen.choice) << "\n");
  }

  if (optimizerOnHost && !pricing->swapOptimizer) {
    NamedAttrList choices;
    if (given)
      choices.append(given.getChoices().getValue());
    choices.set(kOptimizerState,
                MemoryChoiceAttr::get(&getContext(), MemoryChoice::Swap));
    model->setAttr(kMemoryAttr, MemoryAttr::get(&getContext(),
                                                choices.getDictionary(
                                                    &getContext())));
  }

  // Write every op's choices, hand-set ones as they were.
  for (const Candidate &c : candidates)
    for (auto [op, priced, prefix] : llvm::zip(c.ops, c.priced.ops, c.prefixes)) {
      NamedAttrList choices;
      for (const SavedSpec &tensor : priced.saved) {
        count(tensor.choice);
        choices.set(decisionName(tensor.name, prefix),
                    MemoryChoiceAttr::get(&getContext(), tensor.choice));
      }
      if (!choices.empty())
        op->setAttr(kMemoryAttr, MemoryAttr::get(&getContext(),
                                                 choices.getDictionary(
                                                     &getContext())));
    }
  return success();
}
