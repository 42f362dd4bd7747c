//===- Planning.cpp - from a moe model and a cluster to a simulated plan --===//

#include "moeplan/Pipelines/Planning.h"
#include "dialects/moe/MoEConstants.h"
#include "moeplan/Analysis/ModelAnalysis.h"
#include "moeplan/Conversion/Passes.h"
#include "moeplan/Cost/OpKernels.h"
#include "moeplan/Pipelines/PlanPipeline.h"
#include "moeplan/Transforms/Passes.h"
#include "moeplan/Transforms/StageSplit.h"

#include "mlir/IR/Builders.h"
#include "mlir/Pass/PassManager.h"

#include <cmath>
#include <map>

using namespace mlir;

namespace moeplan {

namespace {
/// The units on each virtual stage, from the `moe.placement` attributes
/// moe-balance-stages writes on every unit.
PipelineLayout pipelineOf(moe::ModelOp model, int64_t pp, int64_t vpp) {
  PipelineLayout layout;
  layout.stages.resize(pp * vpp);
  for (Operation &op : model.getBody().front()) {
    auto placement = op.getAttrOfType<moe::PlacementAttr>(moe::kPlacementAttr);
    int64_t stage =
        placement ? placement.getChunk() * pp + placement.getStage() : 0;
    layout.stages[stage].push_back(unitName(&op));
  }
  return layout;
}

/// Per virtual stage, what the model's moe.memory decisions keep, recompute
/// and swap, priced as the balancer and the lowering price them.
std::vector<StageMemoryChoices>
memoryChoicesOf(moe::ModelOp model, const ClusterSpec &cluster,
                std::vector<std::vector<UnitMemory>> &unitMemory) {
  std::optional<StagePricing> pricing = StagePricing::of(model, cluster);
  auto layout = model->getAttrOfType<moe::LayoutAttr>(moe::kLayoutAttr);
  int64_t pp = layout.getPp(), vpp = layout.getVpp();
  std::vector<StageMemoryChoices> stages(pp * vpp);
  std::vector<int64_t> flights =
      microBatchesInFlight(pp, vpp, pricing->microBatches,
                           pricing->fbOverlap);
  for (auto [v, stage] : llvm::enumerate(stages))
    stage.inFlight = flights[v];
  unitMemory.assign(pp * vpp, {});
  std::vector<double> statics(pp * vpp, 0), host(pp * vpp, 0),
      transient(pp * vpp, 0), everything(pp * vpp, 0);
  for (Operation &op : model.getBody().front()) {
    auto placement = op.getAttrOfType<moe::PlacementAttr>(moe::kPlacementAttr);
    int64_t v = placement ? placement.getChunk() * pp + placement.getStage() : 0;
    StageMemoryChoices &stage = stages[v];
    UnitWork work = unitWorkOf(&op, pricing->shape, pricing->sharding);
    PricedUnit unit = priceUnit(work, pricing->grids, cluster);
    StageUnit sized{&op, unitName(&op), 't'};
    pricing->price(sized, work, unit);
    statics[v] += sized.staticBytes;
    host[v] += sized.hostOptimizerBytes;
    transient[v] = std::max(transient[v], sized.transientBytes);
    bool full = unit.isFullRecompute();
    bool keepsAll = true, onlyCore = true;
    for (const PricedUnit::Op &priced : unit.ops)
      for (const SavedSpec &tensor : priced.saved)
        if (tensor.choice != moe::MemoryChoice::Keep) {
          keepsAll = false;
          onlyCore &= tensor.choice == moe::MemoryChoice::Recompute &&
                      tensor.kind == SavedTensorKind::AttentionCore;
        }
    unitMemory[v].push_back(keepsAll   ? UnitMemory::Keep
                            : full     ? UnitMemory::Full
                            : onlyCore ? UnitMemory::CoreOnly
                                       : UnitMemory::Other);
    stage.fullRecomputeLayers += full;
    stage.keptBytes += unit.savedBytes(pricing->layerInput);
    stage.recomputeSeconds += unit.recomputeTime();
    for (const PricedUnit::Op &priced : unit.ops)
      for (const SavedSpec &tensor : priced.saved) {
        everything[v] += tensor.bytes;
        if (full || tensor.choice == moe::MemoryChoice::Recompute) {
          stage.recomputedBytes += tensor.bytes;
          ++stage.recomputedTensors;
        } else if (tensor.choice == moe::MemoryChoice::Swap) {
          stage.swappedBytes += tensor.bytes;
          ++stage.swappedTensors;
        }
      }
  }
  for (auto [v, stage] : llvm::enumerate(stages)) {
    double kept = double(stage.keptBytes) * stage.inFlight;
    stage.peakBytes = statics[v] + std::max(kept + transient[v], host[v]);
    stage.peakIfKeptBytes =
        statics[v] + host[v] + everything[v] * stage.inFlight;
  }
  return stages;
}

/// Records on `plan` what ascend-verify-plan checks against the interpreter:
/// each stage's high-water mark as the report will state it, and the
/// planner's claim to fit. The claim is the decision passes' own: every
/// virtual stage's memory as moe-select-memory and moe-balance-stages
/// priced it (memoryChoicesOf) within its share of the device, the capacity
/// less the reserve over VPP. A stage they plan within it that the
/// interpreter finds over the device's capacity is a defect of the planner;
/// a plan they could not fit makes no claim and is reported as it is.
void recordMemory(ascend::PlanOp plan, const PlanResult &result,
                  const ClusterSpec &cluster) {
  Builder b(plan.getContext());
  for (ascend::StageMemoryOp memory : plan.getStageMemories())
    memory->setAttr(
        kPeakAttr,
        b.getI64IntegerAttr(
            result.simulation.stages[memory.getStage()].peakBytes));
  const int64_t capacity = cluster.device.memoryBytes.value;
  const double share =
      double(capacity - cluster.device.runtimeReserveBytes.value) /
      result.layout.vpp;
  if (llvm::all_of(result.memoryChoices, [&](const StageMemoryChoices &v) {
        return v.peakBytes <= share;
      }))
    plan->setAttr(kFitsInAttr, b.getI64IntegerAttr(capacity));
}

/// The sizes and options moe-shard decided, as the report names them.
ParallelLayout sizesOf(moe::LayoutAttr layout, moe::TrainingAttr training) {
  ParallelLayout l;
  l.tp = layout.getTp();
  l.pp = layout.getPp();
  l.vpp = layout.getVpp();
  l.ep = layout.getEp();
  l.etp = layout.getEtp();
  l.cp = layout.getCp();
  l.dp = layout.getDp();
  l.edp = layout.getExpertDataParallel();
  l.sp = layout.isSequenceParallel();
  l.tpExtendEp = layout.getTpExtendEp();
  l.hierarchicalA2a = layout.getHierarchicalA2a();
  l.distributedOptimizer = layout.getDistributedOptimizer();
  l.seq = training.getSeq();
  l.globalBatch = training.getGlobalBatch();
  l.microBatch = training.getMicroBatch();
  l.microBatches = l.globalBatch / (l.microBatch * l.dp);
  return l;
}

/// The pipeline's options for `request` on `cluster`: one mapping from
/// moe-plan's flags onto the registered pipeline's.
void setPipelineOptions(PlanPipelineOptions &options,
                        const PlanRequest &request,
                        const ClusterSpec &cluster) {
  options.cluster = cluster.spec;
  options.seq = request.seq;
  options.globalBatch = request.globalBatch;
  options.microBatch = request.microBatch;
  options.precision = request.precision;
  options.attention = request.attention;
  options.routingSkew = request.routingSkew.value_or(-1);
  options.tp = request.tp.value_or(0);
  options.pp = request.pp.value_or(0);
  options.vpp = request.vpp.value_or(0);
  options.ep = request.ep.value_or(0);
  options.etp = request.etp.value_or(0);
  options.cp = request.cp.value_or(0);
  options.sp = request.sp ? (*request.sp ? "true" : "false") : "auto";
  options.tpExtendEp = request.tpExtendEp;
  options.hierarchicalA2a = request.hierarchicalA2a;
  options.distributedOptimizer = request.distributedOptimizer;
  options.recompute = request.recompute;
  options.swap = request.swap;
  options.overlap =
      request.fbOverlap ? (*request.fbOverlap ? "fb" : "none") : "";
  options.pipelineLayout = request.pipelineLayout;
}

} // namespace

std::string PipelineLayout::megatronString() const {
  std::vector<std::string> segments;
  for (const std::vector<std::string> &stage : stages) {
    std::string segment;
    for (const std::string &unit : stage) {
      StringRef name(unit);
      if (name == "embedding")
        segment += 'E';
      else if (name.starts_with("dense") || name.starts_with("moe"))
        segment += 't';
      else if (name.starts_with("mtp"))
        segment += 'm';
      else if (name == "loss")
        segment += 'L';
    }
    segments.push_back(segment);
  }
  // Runs of equal stages as (...|)*N, the way Megatron's examples write them.
  std::string text;
  for (size_t i = 0; i < segments.size();) {
    size_t run = 1;
    while (i + run + 1 < segments.size() && segments[i + run] == segments[i])
      ++run;
    if (run > 1)
      text += "(" + segments[i] + "|)*" + std::to_string(run);
    else
      text += segments[i] + (i + 1 < segments.size() ? "|" : "");
    i += run;
  }
  return text;
}

int64_t PipelineLayout::paddedLayersPerStage() const {
  int64_t most = 0;
  for (const std::vector<std::string> &stage : stages)
    most = std::max<int64_t>(most, llvm::count_if(stage, [](const std::string &u) {
                               return StringRef(u).starts_with("dense") ||
                                      StringRef(u).starts_with("moe");
                             }));
  return most;
}

std::vector<int64_t> PipelineLayout::noopLayers() const {
  int64_t perStage = paddedLayersPerStage();
  std::vector<int64_t> noops;
  for (size_t v = 0; v < stages.size(); ++v) {
    int64_t layers = llvm::count_if(stages[v], [](const std::string &u) {
      return StringRef(u).starts_with("dense") || StringRef(u).starts_with("moe");
    });
    for (int64_t slot = layers; slot < perStage; ++slot)
      noops.push_back(int64_t(v) * perStage + slot);
  }
  return noops;
}

FailureOr<PlanResult> evaluatePlan(moe::ModelOp model,
                                  const ClusterSpec &cluster,
                                  const PlanRequest &request,
                                  bool recordTrace, bool verify) {
  for (auto [flag, value] : {std::pair<StringRef, int64_t>{"--seq", request.seq},
                             {"--global-batch", request.globalBatch},
                             {"--micro-batch", request.microBatch}})
    if (value <= 0)
      return model.emitError() << flag << " must be a positive number, got "
                               << value;

  // A layout string needs a pipeline, from the flags or the model's layout.
  auto given = model->getAttrOfType<moe::LayoutAttr>(moe::kLayoutAttr);
  auto sizeOf = [&](std::optional<int64_t> flag, int64_t fixed) {
    return flag ? *flag : fixed ? fixed : 1;
  };
  if (!request.pipelineLayout.empty() &&
      sizeOf(request.pp, given ? given.getPp() : 0) == 1 &&
      sizeOf(request.vpp, given ? given.getVpp() : 0) == 1)
    return model.emitError("--pipeline-layout needs pipeline parallelism "
                           "(--pp > 1)");

  // The passes consume the model, so they run on a copy: first the passes
  // that decide, whose decisions the report reads, then the lowering.
  MLIRContext *context = model.getContext();
  PlanResult result;
  result.plan = ModuleOp::create(model.getLoc());
  OpBuilder builder = OpBuilder::atBlockEnd(result.plan->getBody());
  auto copy = cast<moe::ModelOp>(builder.clone(*model));

  PlanPipelineOptions options;
  setPipelineOptions(options, request, cluster);
  PassManager decide(context);
  decide.enableVerifier(verify);
  buildDecisionPipeline(decide, options);
  if (failed(decide.run(*result.plan)))
    return failure();

  auto layout = copy->getAttrOfType<moe::LayoutAttr>(moe::kLayoutAttr);
  auto training = copy->getAttrOfType<moe::TrainingAttr>(moe::kTrainingAttr);
  ParallelLayout &l = result.layout;
  l = sizesOf(layout, training);
  l.recompute = request.recompute;
  l.recomputeChosen = request.recompute == "auto";
  l.swapOptimizer = moe::swapsOptimizer(copy);
  l.attention = moe::stringifyAttentionCore(training.getAttention()).str();
  l.precision = moe::stringifyPrecision(training.getPrecision()).str();
  // The routing skew the lowering prices experts with, and what it means for
  // the busiest expert-parallel rank.
  std::optional<double> skewValue = training.getSkew();
  RoutingSkew skew = skewValue ? RoutingSkew{*skewValue} : defaultRoutingSkew();
  l.routingSkew = skew.expertCV;
  l.expertImbalance = shardingOf(copy, layout, l.seq, l.microBatch,
                                 cluster.devicesPerNode.value, skew,
                                 l.attention == "unfused")
                          .imbalance;
  result.pipeline = pipelineOf(copy, l.pp, l.vpp);
  result.memoryChoices = memoryChoicesOf(copy, cluster, result.unitMemory);

  PassManager lower(context);
  lower.enableVerifier(verify);
  ConvertMoEToAscendPassOptions lowering;
  lowering.devicesPerNode = cluster.devicesPerNode.value;
  lower.addPass(createConvertMoEToAscendPass(lowering));
  if (failed(lower.run(*result.plan)))
    return failure();

  auto plan = *result.plan->getOps<ascend::PlanOp>().begin();
  // What the schedule runs, which is nothing to overlap when no op
  // communicates.
  l.fbOverlap = plan.getSchedule().getOverlap();
  FailureOr<SimulationResult> simulation =
      simulate(plan, cluster, recordTrace);
  if (failed(simulation))
    return failure();
  result.simulation = std::move(*simulation);
  result.pipeline.stageTimes = result.simulation.stageTimes;
  recordMemory(plan, result, cluster);
  if (verify) {
    // The plan reported or emitted is checked whole, its recorded memory
    // against a fresh run of the interpreter. The search's candidates skip
    // it with the IR verifier; the plan it reports comes back through here.
    PassManager check(context);
    check.addPass(createAscendVerifyPlanPass(cluster));
    if (failed(check.run(*result.plan)))
      return failure();
  }
  return result;
}

FailureOr<PlanBounds> planBounds(moe::ModelOp model,
                                 const ClusterSpec &cluster,
                                 const PlanRequest &request) {
  OwningOpRef<ModuleOp> module = ModuleOp::create(model.getLoc());
  OpBuilder builder = OpBuilder::atBlockEnd(module->getBody());
  auto copy = cast<moe::ModelOp>(builder.clone(*model));
  PlanPipelineOptions options;
  setPipelineOptions(options, request, cluster);
  PassManager shard(model.getContext());
  shard.enableVerifier(false);
  addShardPass(shard, options);
  if (failed(shard.run(*module)))
    return failure();
  std::optional<StagePricing> pricing = StagePricing::of(copy, cluster);
  auto layout = copy->getAttrOfType<moe::LayoutAttr>(moe::kLayoutAttr);
  // The units' kernels run one at a time on the compute stream and their
  // collectives one at a time on the comm stream. Without forward/backward
  // overlap every collective blocks the compute stream too
  // (moe-plan-overlap's only other choice), so the two add up.
  bool blocking = !request.fbOverlap.value_or(false) && !moe::anyFBOverlap(copy);
  // A unit's work depends on its leaves and their attributes alone (names
  // apart), so units whose leaves are the same ops with the same uniqued
  // attributes, as the layers of a stack are, are priced once.
  struct Priced {
    double statics = 0, compute = 0, communication = 0;
  };
  std::map<std::vector<const void *>, Priced> pricedBy;
  double statics = 0, compute = 0, communication = 0;
  for (Operation &op : copy.getBody().front()) {
    std::vector<const void *> leaves{op.getName().getAsOpaquePointer()};
    op.walk([&](Operation *leaf) {
      if (leaf->getNumRegions() != 0)
        return;
      leaves.push_back(leaf->getName().getAsOpaquePointer());
      leaves.push_back(leaf->getRawDictionaryAttrs().getAsOpaquePointer());
    });
    auto [it, inserted] = pricedBy.try_emplace(std::move(leaves));
    Priced &unit = it->second;
    if (inserted) {
      UnitWork work = unitWorkOf(&op, pricing->shape, pricing->sharding);
      unit.statics =
          pricing->weightAndGradBytes(work) + pricing->optimizerBytes(work);
      for (const OpKernels &kernels : work.ops)
        for (const auto *items : {&kernels.forward, &kernels.backward})
          for (const WorkItem &item : *items)
            (item.kind == WorkItem::Kind::Collective ? unit.communication
                                                     : unit.compute) +=
                workTime(item, pricing->grids, cluster);
    }
    statics += unit.statics;
    compute += unit.compute;
    communication += unit.communication;
  }
  double busiest =
      blocking ? compute + communication : std::max(compute, communication);
  PlanBounds bounds;
  bounds.layout = sizesOf(
      layout, copy->getAttrOfType<moe::TrainingAttr>(moe::kTrainingAttr));
  bounds.layout.recompute = request.recompute;
  bounds.layout.fbOverlap = request.fbOverlap.value_or(false);
  bounds.memoryBytes = int64_t(statics / layout.getPp()) +
                       cluster.device.runtimeReserveBytes.value;
  // Each rank runs its m micro-batches' work, at least the mean. Without
  // virtual stages a rank also waits, before its first forward, for the
  // ranks before it to run theirs, and after its last backward for them to
  // run theirs: step >= m w_r + sum of w over the ranks before r, for the
  // work w_r of one micro-batch on rank r, whatever the split. Weighting
  // rank r's inequality by q^(PP-1-r), q = 1 - 1/m, gives the same factor
  // on every w_r, so step >= W / (1 - q^PP) for the whole micro-batch's
  // work W (an LP's dual: tight when the ranks' work falls geometrically).
  double m = pricing->microBatches, pp = layout.getPp();
  bounds.stepSeconds = busiest * m / pp;
  if (layout.getVpp() == 1 && m > 1)
    bounds.stepSeconds =
        std::max(bounds.stepSeconds, busiest / (1 - std::pow(1 - 1 / m, pp)));
  return bounds;
}

static bool isLayerUnit(StringRef name) {
  return name.starts_with("dense") || name.starts_with("moe") ||
         name.starts_with("mtp");
}

std::optional<RoundedMemory> roundedMemoryOf(const PlanResult &plan) {
  bool keepsAll = true, coreOrKeep = true, allFull = true;
  RoundedMemory block;
  for (auto [units, kinds] : llvm::zip(plan.pipeline.stages, plan.unitMemory)) {
    int64_t position = 0;
    for (auto [name, kind] : llvm::zip(units, kinds)) {
      if (!isLayerUnit(name))
        continue;
      bool mtp = StringRef(name).starts_with("mtp");
      keepsAll &= kind == UnitMemory::Keep;
      coreOrKeep &= kind == UnitMemory::Keep || kind == UnitMemory::CoreOnly;
      allFull &= kind == UnitMemory::Full;
      if (mtp) {
        block.mtp |= kind != UnitMemory::Keep;
        continue;
      }
      ++position;
      if (kind != UnitMemory::Keep)
        block.layers = std::max(block.layers, position);
    }
  }
  if (keepsAll || allFull)
    return std::nullopt;
  // Selective recompute of every layer runs "the core's statistics where
  // chosen" exactly when every layer chose it; otherwise it rounds up.
  if (coreOrKeep) {
    bool everyLayer = true;
    for (auto [units, kinds] : llvm::zip(plan.pipeline.stages, plan.unitMemory))
      for (auto [name, kind] : llvm::zip(units, kinds))
        everyLayer &= !isLayerUnit(name) || kind == UnitMemory::CoreOnly;
    if (everyLayer)
      return std::nullopt;
    return RoundedMemory{/*selective=*/true};
  }
  return block;
}

/// `plan` re-evaluated with exactly the memory decisions `block` describes.
static FailureOr<PlanResult> evaluateWith(moe::ModelOp model,
                                          const ClusterSpec &cluster,
                                          const PlanRequest &request,
                                          const PlanResult &plan,
                                          RoundedMemory block, bool verify) {
  // Selective: every layer's attention core. Block: whole layers.
  // The same model with every decision the rounding fixes set by hand: the
  // placements as planned, the first `layers` decoder layers of each
  // virtual stage (and the MTP layers, with `mtp`) recomputed whole.
  OwningOpRef<ModuleOp> module = ModuleOp::create(model.getLoc());
  OpBuilder builder = OpBuilder::atBlockEnd(module->getBody());
  auto copy = cast<moe::ModelOp>(builder.clone(*model));
  MLIRContext *context = model.getContext();
  int64_t pp = plan.layout.pp;
  llvm::StringMap<std::pair<int64_t, int64_t>> placeOf; // stage, position
  for (auto [v, units] : llvm::enumerate(plan.pipeline.stages)) {
    int64_t position = 0;
    for (const std::string &name : units)
      placeOf[name] = {int64_t(v),
                       isLayerUnit(name) && !StringRef(name).starts_with("mtp")
                           ? position++
                           : -1};
  }
  if (plan.layout.swapOptimizer)
    copy->setAttr(moe::kMemoryAttr,
                  moe::MemoryAttr::get(
                      context, DictionaryAttr::get(
                                   context, {NamedAttribute(
                                                StringAttr::get(
                                                    context,
                                                    moe::kOptimizerState),
                                                moe::MemoryChoiceAttr::get(
                                                    context,
                                                    moe::MemoryChoice::Swap))})));
  for (Operation &op : copy.getBody().front()) {
    std::string name = unitName(&op);
    auto [v, position] = placeOf.lookup(name);
    op.setAttr(moe::kPlacementAttr,
               moe::PlacementAttr::get(context, v % pp, v / pp));
    if (!isLayerUnit(name))
      continue;
    bool full = !block.selective && (StringRef(name).starts_with("mtp")
                                         ? block.mtp
                                         : position >= 0 &&
                                               position < block.layers);
    op.walk([&](Operation *leaf) {
      if (leaf->getNumRegions() != 0)
        return;
      NamedAttrList choices;
      for (const SavedTensor &tensor : savedTensors(leaf)) {
        bool recompute =
            full || (block.selective &&
                     tensor.kind == SavedTensorKind::AttentionCore);
        choices.set(moe::localTensorName(tensor.name),
                    moe::MemoryChoiceAttr::get(
                        context, recompute ? moe::MemoryChoice::Recompute
                                           : moe::MemoryChoice::Keep));
      }
      if (!choices.empty())
        leaf->setAttr(moe::kMemoryAttr,
                      moe::MemoryAttr::get(context,
                                           choices.getDictionary(context)));
    });
  }
  PlanRequest rounded = request;
  rounded.recompute = "none";
  rounded.swap = false;
  rounded.pipelineLayout.clear(); // the placements say it
  FailureOr<PlanResult> result =
      evaluatePlan(copy, cluster, rounded, /*recordTrace=*/false, verify);
  if (failed(result))
    return failure();
  result->rounded = block;
  result->unroundedStepTime = plan.simulation.stepTime;
  result->layout.recompute = plan.layout.recompute;
  result->layout.recomputeChosen = plan.layout.recomputeChosen;
  return result;
}

FailureOr<PlanResult> evaluateRounded(moe::ModelOp model,
                                      const ClusterSpec &cluster,
                                      const PlanRequest &request,
                                      const PlanResult &plan,
                                      RoundedMemory rounded, bool verify) {
  if (rounded.selective || rounded.layers <= 1)
    return evaluateWith(model, cluster, request, plan, rounded, verify);
  // Block recompute is one count for every virtual stage, so the stages
  // that need little pay for the one that needs most: take the fewest
  // leading layers whose plan fits, up to the count that covers the
  // decisions.
  auto fits = [&](const PlanResult &candidate) {
    return llvm::all_of(candidate.simulation.stages, [&](const StageResult &s) {
      return s.peakBytes <= cluster.device.memoryBytes.value;
    });
  };
  int64_t covering = rounded.layers;
  for (int64_t layers = 1; layers < covering; ++layers) {
    rounded.layers = layers;
    FailureOr<PlanResult> candidate =
        evaluateWith(model, cluster, request, plan, rounded, verify);
    if (failed(candidate))
      return failure();
    if (fits(*candidate))
      return candidate;
  }
  rounded.layers = covering;
  return evaluateWith(model, cluster, request, plan, rounded, verify);
}

} // namespace moeplan
