//===- Shard.cpp - decide and check the 5D parallel layout ----------------===//
//
// A global decision, so an analysis of the model's shape and a plain walk
// that writes `moe.layout` and `moe.training`. Fields already in the IR are
// kept (like Shardy's closed dimensions); the open ones take the options or
// Megatron's defaults. Every check names the option to change and what
// values would work, because a user reaches this pass from moe-plan flags.
//
//===----------------------------------------------------------------------===//

#include "dialects/moe/MoEConstants.h"
#include "dialects/moe/MoEOps.h"
#include "moeplan/Analysis/ModelAnalysis.h"
#include "moeplan/Cost/Cluster.h"
#include "moeplan/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/Debug.h"
#include "llvm/Support/Format.h"

#include <numeric>

#define DEBUG_TYPE "moe-shard"

namespace moeplan {
#define GEN_PASS_DEF_MOESHARDPASS
#include "moeplan/Transforms/Passes.h.inc"
} // namespace moeplan

using namespace mlir;
using namespace mlir::moe;

namespace {
/// The sizes of a model that parallel layouts must divide.
struct ModelShape {
  SmallVector<int64_t> heads, kvHeads, denseFfn, expertFfn;
  int64_t experts = 0; ///< routed experts per MoE layer (0: dense model)
  int64_t layers = 0;
  int64_t mtpLayers = 0;
};

ModelShape shapeOf(ModelOp model) {
  ModelShape shape;
  model.walk([&](Operation *op) {
    if (auto a = dyn_cast<AttentionOp>(op)) {
      shape.heads.push_back(a.getNumHeads());
      shape.kvHeads.push_back(a.getNumKvHeads());
    } else if (auto a = dyn_cast<MLAAttentionOp>(op)) {
      shape.heads.push_back(a.getNumHeads());
    } else if (auto m = dyn_cast<MLPOp>(op)) {
      shape.denseFfn.push_back(m.getFfnSize());
    } else if (auto s = dyn_cast<SharedExpertsOp>(op)) {
      shape.denseFfn.push_back(s.getCount() * s.getFfnSize());
    } else if (auto e = dyn_cast<ExpertsOp>(op)) {
      shape.experts = std::max(shape.experts, e.getNumExperts());
      shape.expertFfn.push_back(e.getFfnSize());
    }
  });
  shape.layers = llvm::range_size(model.getDecoderLayers());
  shape.mtpLayers = llvm::range_size(model.getMTPLayers());
  return shape;
}

/// "1, 2, 4, 8, 16": the divisors of `n` up to `limit`, for messages.
std::string divisors(int64_t n, int64_t limit = 64) {
  SmallString<64> text;
  for (int64_t d = 1; d <= std::min(n, limit); ++d)
    if (n % d == 0) {
      if (!text.empty())
        text += ", ";
      text += std::to_string(d);
    }
  return std::string(text);
}

class MoEShardPass : public moeplan::impl::MoEShardPassBase<MoEShardPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    if (failed(loadOptions()))
      return signalPassFailure();
    for (ModelOp model : getOperation().getOps<ModelOp>())
      if (failed(shard(model)))
        return signalPassFailure();
  }

private:
  LogicalResult loadOptions();
  FailureOr<TrainingAttr> decideTraining(ModelOp model);
  FailureOr<LayoutAttr> decideLayout(ModelOp model);
  LogicalResult check(ModelOp model, LayoutAttr layout,
                      TrainingAttr training);

  LogicalResult shard(ModelOp model) {
    FailureOr<TrainingAttr> training = decideTraining(model);
    if (failed(training))
      return failure();
    FailureOr<LayoutAttr> layout = decideLayout(model);
    if (failed(layout) || failed(check(model, *layout, *training)))
      return failure();
    model->setAttr(kLayoutAttr, *layout);
    model->setAttr(kTrainingAttr, *training);
    LLVM_DEBUG(llvm::dbgs() << "moe-shard: " << *layout << " " << *training
                            << "\n");
    return success();
  }

  /// The cluster's devices and node size, from `cluster` or the options.
  int64_t clusterDevices = 0, nodeSize = 8;
  /// The cluster's device, when `cluster` names one.
  std::optional<moeplan::DeviceSpec> device;
};

/// A field given by the IR (`fixed`, 0 when open) and asked by an option
/// (`asked`, 0 when not): the IR's wins, and the two must agree.
FailureOr<int64_t> merge(ModelOp model, StringRef attr, StringRef field,
                         int64_t fixed, int64_t asked) {
  if (fixed && asked && fixed != asked)
    return model.emitError() << "the model's " << attr << " sets " << field
                             << " = " << fixed << " but the option asks for "
                             << asked << "; drop one of them";
  return fixed ? fixed : asked;
}

/// A choice of #moe.training the model always holds (`fixed`, set by hand
/// when `given`) and an option may name (`asked`, empty when not): the
/// option's stands unless it contradicts a hand-set value.
template <typename Choice>
FailureOr<Choice> mergeChoice(ModelOp model, StringRef field,
                              StringRef allowed, bool given, Choice fixed,
                              StringRef asked,
                              std::optional<Choice> (*symbolize)(StringRef),
                              StringRef (*stringify)(Choice)) {
  if (asked.empty())
    return fixed;
  std::optional<Choice> parsed = symbolize(asked);
  if (!parsed)
    return model.emitError() << "moe-shard option " << field << " must be "
                             << allowed << ", got '" << asked << "'";
  if (given && *parsed != fixed)
    return model.emitError()
           << "the model's " << kTrainingAttr << " sets " << field << " = "
           << stringify(fixed) << " but the option asks for " << asked
           << "; drop one of them";
  return *parsed;
}
} // namespace

LogicalResult MoEShardPass::loadOptions() {
  clusterDevices = devices;
  nodeSize = devicesPerNode;
  const std::string spec = cluster;
  if (!spec.empty()) {
    llvm::Expected<moeplan::ClusterSpec> loaded = moeplan::loadCluster(spec);
    if (!loaded)
      return getOperation().emitError(llvm::toString(loaded.takeError()));
    clusterDevices = loaded->devices;
    nodeSize = loaded->devicesPerNode.value;
    device = loaded->device;
  }
  if (nodeSize <= 0)
    return getOperation().emitError()
           << "moe-shard option devices-per-node must be positive, got "
           << nodeSize;
  if (clusterDevices < 0 || clusterDevices > moeplan::kMaxDevices)
    return getOperation().emitError()
           << "moe-shard option devices must be from 1 to the planner's "
              "limit of "
           << moeplan::kMaxDevices << " (0: open), got " << clusterDevices;
  return success();
}

FailureOr<TrainingAttr> MoEShardPass::decideTraining(ModelOp model) {
  auto given = model->getAttrOfType<TrainingAttr>(kTrainingAttr);
  int64_t sizes[3] = {0, 0, 0};
  const int64_t asked[3] = {seq, microBatch, globalBatch};
  static constexpr StringLiteral kNames[3] = {"seq", "micro_batch",
                                              "global_batch"};
  for (int i = 0; i < 3; ++i) {
    if (asked[i] < 0)
      return model.emitError() << "moe-shard option " << kNames[i]
                               << " must be positive, got " << asked[i];
    int64_t fixed = !given                   ? 0
                    : i == 0                 ? given.getSeq()
                    : i == 1                 ? given.getMicroBatch()
                                             : given.getGlobalBatch();
    FailureOr<int64_t> value =
        merge(model, kTrainingAttr, kNames[i], fixed, asked[i]);
    if (failed(value))
      return failure();
    sizes[i] = *value;
  }
  // Precision and attention have no open value in the IR: the model's stand
  // unless an option asks for something else.
  FailureOr<Precision> precision = mergeChoice<Precision>(
      model, "precision", "bf16 or fp8", bool(given),
      given ? given.getPrecision() : Precision::BF16, this->precision,
      symbolizePrecision, stringifyPrecision);
  if (failed(precision))
    return failure();
  if (*precision == Precision::FP8 && device)
    if (std::optional<std::string> unsupported = fp8Unsupported(*device))
      return model.emitError(*unsupported);
  FailureOr<AttentionCore> attention = mergeChoice<AttentionCore>(
      model, "attention", "flash or unfused", bool(given),
      given ? given.getAttention() : AttentionCore::Flash, this->attention,
      symbolizeAttentionCore, stringifyAttentionCore);
  if (failed(attention))
    return failure();
  FloatAttr skew = given ? given.getRoutingSkew() : FloatAttr();
  // -1 leaves it to the model; anything else must be a plausible CV.
  if (routingSkew != -1 && !(routingSkew >= 0 && routingSkew <= 10))
    return model.emitError() << "moe-shard option routing-skew must be a "
                                "coefficient of variation from 0 to 10, got "
                             << routingSkew;
  if (routingSkew >= 0) {
    if (skew && skew.getValueAsDouble() != routingSkew)
      return model.emitError()
             << "the model's " << kTrainingAttr << " sets routing_skew = "
             << skew.getValueAsDouble() << " but the option asks for "
             << routingSkew << "; drop one of them";
    skew = Builder(&getContext()).getF64FloatAttr(routingSkew);
  }
  // The sizes the planner is built for: the interpreter replays every
  // micro-batch of the step, and per-token work is counted in 64 bits.
  static constexpr int64_t kMaxSeq = int64_t(1) << 24;
  static constexpr int64_t kMaxSequences = int64_t(1) << 32;
  if (sizes[0] > kMaxSeq)
    return model.emitError() << "a sequence of " << sizes[0]
                             << " tokens is beyond the planner's limit of "
                             << kMaxSeq << " (16M)";
  if (sizes[2] > kMaxSequences || sizes[1] > kMaxSequences)
    return model.emitError() << "a batch of " << std::max(sizes[1], sizes[2])
                             << " sequences is beyond the planner's limit of "
                             << kMaxSequences;
  // Kernels count their FLOPs and bytes in 64-bit integers; the training
  // work of a whole micro-batch bounds every kernel's, recompute included.
  if (sizes[0] > 0) {
    constexpr double kMaxMicroBatchFlops = 0x1p60;
    FailureOr<double> perToken = moeplan::flopsPerToken(
        model, sizes[0], moeplan::FlopsConvention::NarayananHardware);
    if (failed(perToken))
      return failure();
    // At most 2^24 x 2^32 tokens, so the count fits.
    const int64_t tokens = sizes[0] * std::max<int64_t>(1, sizes[1]);
    if (*perToken * double(tokens) > kMaxMicroBatchFlops) {
      std::string flops;
      llvm::raw_string_ostream(flops)
          << llvm::format("%.3g", *perToken * double(tokens));
      return model.emitError()
             << "a micro-batch of " << tokens << " tokens is " << flops
             << " FLOPs of training work, beyond the planner's limit of 2^60 "
                "(kernels count FLOPs in 64 bits); use a shorter --seq or a "
                "smaller --micro-batch";
    }
  }
  TrainingAttr training = TrainingAttr::getChecked(
      [&] { return model.emitError(); }, &getContext(), sizes[0], sizes[1],
      sizes[2], *precision, *attention, skew);
  if (!training)
    return failure();
  return training;
}

FailureOr<LayoutAttr> MoEShardPass::decideLayout(ModelOp model) {
  auto given = model->getAttrOfType<LayoutAttr>(kLayoutAttr);
  const std::string spChoice = sp;
  if (spChoice != "auto" && spChoice != "true" && spChoice != "false")
    return model.emitError() << "moe-shard option sp must be auto, true or "
                                "false, got '"
                             << spChoice << "'";
  const int64_t asked[6] = {tp, pp, vpp, ep, etp, cp};
  static constexpr StringLiteral kNames[6] = {"tp", "pp", "vpp",
                                              "ep", "etp", "cp"};
  const int64_t fixed[6] = {given ? given.getTp() : 0,  given ? given.getPp() : 0,
                            given ? given.getVpp() : 0, given ? given.getEp() : 0,
                            given ? given.getEtp() : 0, given ? given.getCp() : 0};
  int64_t sizes[6];
  for (int i = 0; i < 6; ++i) {
    if (asked[i] < 0)
      return model.emitError() << "--" << kNames[i]
                               << " must be positive, got " << asked[i];
    FailureOr<int64_t> value =
        merge(model, kLayoutAttr, kNames[i], fixed[i], asked[i]);
    if (failed(value))
      return failure();
    sizes[i] = *value;
  }
  bool extendEp = tpExtendEp || (given && given.getTpExtendEp());
  bool hierarchical = hierarchicalA2a || (given && given.getHierarchicalA2a());
  bool distributed =
      distributedOptimizer || (given && given.getDistributedOptimizer());
  // Megatron's defaults for what is open.
  int64_t t = sizes[0] ? sizes[0] : 1, p = sizes[1] ? sizes[1] : 1,
          v = sizes[2] ? sizes[2] : 1, e = sizes[3] ? sizes[3] : 1,
          c = sizes[5] ? sizes[5] : 1;
  int64_t et = sizes[4] ? sizes[4] : (extendEp ? 1 : t);
  std::optional<bool> givenSp = given ? given.getSp() : std::nullopt;
  if (givenSp && spChoice != "auto" && *givenSp != (spChoice == "true"))
    return model.emitError() << "the model's " << kLayoutAttr << " sets sp = "
                             << (*givenSp ? "true" : "false")
                             << " but the option asks for " << spChoice
                             << "; drop one of them";
  bool s = givenSp ? *givenSp : spChoice == "auto" ? t > 1 : spChoice == "true";

  const int64_t cluster = clusterDevices;
  int64_t givenDp = given ? given.getDp() : 0;
  if (cluster <= 0 && !givenDp)
    return model.emitError("moe-shard needs the cluster's device count "
                           "(devices=N or cluster=PRESET:N)");
  int64_t modelParallel;
  if (llvm::MulOverflow(t, p, modelParallel) ||
      llvm::MulOverflow(modelParallel, c, modelParallel))
    return model.emitError() << "TP x PP x CP = " << t << " x " << p << " x "
                             << c << " overflows 64 bits";
  int64_t d = givenDp;
  if (cluster > 0) {
    if (cluster % modelParallel != 0)
      return model.emitError()
             << "devices (" << cluster
             << ") must be divisible by TP x PP x CP = " << t << " x " << p
             << " x " << c << " = " << modelParallel
             << "; choose sizes whose product divides " << cluster;
    if (givenDp && givenDp != cluster / modelParallel)
      return model.emitError()
             << "the model's " << kLayoutAttr << " sets dp = " << givenDp
             << " but " << cluster << " devices over TP x PP x CP = "
             << modelParallel << " give DP = " << cluster / modelParallel;
    d = cluster / modelParallel;
  }
  int64_t expertGroup = e * et * (extendEp ? t : 1);
  if ((t * c * d) % expertGroup != 0) {
    InFlightDiagnostic diag = model.emitError();
    diag << "the expert group EP x ETP" << (extendEp ? " x TP" : "") << " = "
         << expertGroup << " must divide TP x CP x DP = " << t * c * d
         << " (experts and attention fold over the same devices); ";
    if ((t * c * d) % et != 0)
      return diag << "use an ETP that divides " << t * c * d;
    return diag << "use an EP that divides " << t * c * d / et;
  }
  LayoutAttr layout = LayoutAttr::getChecked(
      [&] { return model.emitError(); }, &getContext(), t, p, v, e, et, c, d,
      std::optional<bool>(s), extendEp, hierarchical, distributed);
  if (!layout)
    return failure();
  return layout;
}

LogicalResult MoEShardPass::check(ModelOp model, LayoutAttr layout,
                                  TrainingAttr training) {
  ModelShape shape = shapeOf(model);
  // Plain values, for arithmetic and messages (0: open, not checked).
  const int64_t cluster = clusterDevices, perNode = nodeSize,
                batch = training.getGlobalBatch(),
                micro = training.getMicroBatch() ? training.getMicroBatch() : 1,
                tokens = training.getSeq();
  int64_t t = layout.getTp(), p = layout.getPp(), v = layout.getVpp(),
          e = layout.getEp(), et = layout.getEtp(), c = layout.getCp(),
          d = layout.getDp();
  auto fail = [&]() { return model.emitError(); };

  if (cluster > 0 && layout.getDevices() != cluster)
    return fail() << "the layout covers TP x CP x DP x PP = "
                  << layout.getDevices() << " devices but the cluster has "
                  << cluster;
  for (int64_t heads : shape.heads)
    if (heads % t != 0)
      return fail() << "attention heads (" << heads
                    << ") are not divisible by --tp=" << t
                    << "; use a TP that divides " << heads << ": "
                    << divisors(heads);
  for (int64_t kv : shape.kvHeads)
    if (kv % t != 0)
      return fail() << "KV heads (" << kv << ") are not divisible by --tp="
                    << t << "; use a TP that divides " << kv << ": "
                    << divisors(kv);
  for (int64_t ffn : shape.denseFfn)
    if (ffn % t != 0)
      return fail() << "the FFN width " << ffn << " is not divisible by --tp="
                    << t;
  if (shape.experts) {
    int64_t group = layout.getExpertGroup() * et;
    if (shape.experts % group != 0)
      return fail() << shape.experts << " experts do not divide over "
                    << (layout.getTpExtendEp() ? "EP x TP = " : "EP x ETP = ")
                    << group << " ranks; use an EP that divides "
                    << shape.experts / (group / e);
    for (int64_t ffn : shape.expertFfn)
      if (ffn % et != 0)
        return fail() << "the expert FFN width " << ffn
                      << " is not divisible by --etp=" << et;
    if (t > 1 && !layout.isSequenceParallel())
      return fail() << "MoE layers with --tp=" << t
                    << " need sequence parallelism (Megatron requires it): "
                       "add --sp";
  } else if (e > 1 || layout.getTpExtendEp() || layout.getHierarchicalA2a()) {
    return fail() << "the model has no experts; expert parallelism "
                     "(--ep, --tp-extend-ep, --hierarchical-a2a) does not "
                     "apply";
  }
  // Megatron's pipeline layout may give a stage the embedding or the loss
  // alone, so the units to spread are the layers, the MTP layers, the
  // embedding and the loss; every stage needs one.
  int64_t units = shape.layers + shape.mtpLayers + 2;
  if (units < p * v)
    return fail() << "the model's " << shape.layers << " layers"
                  << (shape.mtpLayers ? ", its MTP layers" : "")
                  << ", embedding and loss cannot fill PP x VPP = " << p
                  << " x " << v << " = " << p * v
                  << " pipeline stages (each needs one of them); use at most "
                  << units << " stages";
  if (v > 1 && p == 1)
    return fail() << "--vpp=" << v << " needs pipeline parallelism (--pp > 1)";
  if (tokens > 0 && c > 1 && tokens % (2 * c) != 0)
    return fail() << "--seq=" << tokens << " must be divisible by 2 x CP = "
                  << 2 * c << " (each CP rank takes two load-balanced chunks)";
  if (layout.getHierarchicalA2a()) {
    int64_t group = layout.getExpertGroup();
    if (t == 1 || t > perNode || group <= perNode)
      return fail() << "hierarchical all-to-all needs 1 < TP <= devices per "
                       "node ("
                    << perNode << ") and an expert group larger than "
                    << "a node; got TP " << t << " and expert group " << group;
  }
  if (batch > 0) {
    int64_t perStep = micro * d;
    if (batch % perStep != 0) {
      int64_t below = batch / perStep * perStep;
      auto diag = fail() << "--global-batch=" << batch
                         << " is not a multiple of micro-batch x DP = "
                         << micro << " x " << d << " = " << perStep
                         << "; try ";
      if (below)
        diag << below << " or ";
      return diag << below + perStep;
    }
    int64_t microBatches = batch / perStep;
    // The interpreter replays every micro-batch of the step on every stage.
    static constexpr int64_t kMaxMicroBatches = int64_t(1) << 20;
    if (microBatches > kMaxMicroBatches)
      return fail() << "--global-batch=" << batch << " makes " << microBatches
                    << " micro-batches per step and replica, beyond the "
                       "planner's limit of "
                    << kMaxMicroBatches
                    << "; raise --micro-batch or the data parallelism";
    if (v > 1 && microBatches % p != 0)
      return fail() << "the interleaved schedule (--vpp=" << v
                    << ") needs the micro-batches per step (" << microBatches
                    << ") to be a multiple of --pp=" << p
                    << "; change --global-batch or --micro-batch";
  }
  return success();
}
