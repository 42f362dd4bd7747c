//===- Shard.cpp - decide and check the 5D parallel layout ----------------===//
//
// A global decision, so an analysis of the model's shape and a plain walk
// that writes `moe.layout`. Every check names the option to change and what
// values would work, because a user reaches this pass from moe-plan flags.
//
//===----------------------------------------------------------------------===//

#include "dialects/moe/MoEOps.h"
#include "moeplan/Transforms/Passes.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/Debug.h"

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
    for (ModelOp model : getOperation().getOps<ModelOp>())
      if (failed(shard(model)))
        return signalPassFailure();
  }

private:
  FailureOr<LayoutAttr> decide(ModelOp model);
  LogicalResult check(ModelOp model, LayoutAttr layout);

  LogicalResult shard(ModelOp model) {
    LayoutAttr layout = model->getAttrOfType<LayoutAttr>("moe.layout");
    if (!layout) {
      FailureOr<LayoutAttr> decided = decide(model);
      if (failed(decided))
        return failure();
      layout = *decided;
    }
    if (failed(check(model, layout)))
      return failure();
    model->setAttr("moe.layout", layout);
    LLVM_DEBUG(llvm::dbgs() << "moe-shard: " << layout << "\n");
    return success();
  }
};
} // namespace

FailureOr<LayoutAttr> MoEShardPass::decide(ModelOp model) {
  const int64_t cluster = devices;
  if (cluster <= 0)
    return model.emitError("moe-shard needs the cluster's device count "
                           "(devices=N)");
  const std::string spChoice = sp;
  if (spChoice != "auto" && spChoice != "true" && spChoice != "false")
    return model.emitError() << "moe-shard option sp must be auto, true or "
                                "false, got '"
                             << spChoice << "'";
  for (auto [name, value] : {std::pair<StringRef, int64_t>{"tp", tp},
                             {"pp", pp},
                             {"vpp", vpp},
                             {"ep", ep},
                             {"etp", etp},
                             {"cp", cp}})
    if (value < 0)
      return model.emitError() << "--" << name << " must be positive, got "
                               << value;
  // Megatron's defaults for what is not given.
  int64_t t = tp ? tp : 1, p = pp ? pp : 1, v = vpp ? vpp : 1,
          e = ep ? ep : 1, c = cp ? cp : 1;
  int64_t et = etp ? etp : (tpExtendEp ? 1 : t);
  bool s = spChoice == "auto" ? t > 1 : spChoice == "true";
  int64_t modelParallel = t * p * c;
  if (cluster % modelParallel != 0)
    return model.emitError()
           << "devices (" << cluster << ") must be divisible by TP x PP x CP = "
           << t << " x " << p << " x " << c << " = " << modelParallel
           << "; choose sizes whose product divides " << cluster;
  int64_t d = cluster / modelParallel;
  int64_t expertGroup = e * et * (tpExtendEp ? t : 1);
  if ((t * c * d) % expertGroup != 0)
    return model.emitError()
           << "the expert group EP x ETP" << (tpExtendEp ? " x TP" : "")
           << " = " << expertGroup << " must divide TP x CP x DP = "
           << t * c * d << " (experts and attention fold over the same "
           << "devices); use an EP that divides " << t * c * d / et;
  return LayoutAttr::get(&getContext(), t, p, v, e, et, c, d, s, tpExtendEp,
                         hierarchicalA2a, distributedOptimizer);
}

LogicalResult MoEShardPass::check(ModelOp model, LayoutAttr layout) {
  ModelShape shape = shapeOf(model);
  // Plain values of the options, for arithmetic and messages.
  const int64_t cluster = devices, perNode = devicesPerNode,
                batch = globalBatch, micro = microBatch, tokens = seq;
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
    if (t > 1 && !layout.getSp())
      return fail() << "MoE layers with --tp=" << t
                    << " need sequence parallelism (Megatron requires it): "
                       "add --sp";
  } else if (e > 1 || layout.getTpExtendEp() || layout.getHierarchicalA2a()) {
    return fail() << "the model has no experts; expert parallelism "
                     "(--ep, --tp-extend-ep, --hierarchical-a2a) does not "
                     "apply";
  }
  if (shape.layers < p * v)
    return fail() << "the model's " << shape.layers
                  << " layers cannot fill PP x VPP = " << p << " x " << v
                  << " = " << p * v << " pipeline stages; use fewer stages";
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
    if (v > 1 && microBatches % p != 0)
      return fail() << "the interleaved schedule (--vpp=" << v
                    << ") needs the micro-batches per step (" << microBatches
                    << ") to be a multiple of --pp=" << p
                    << "; change --global-batch or --micro-batch";
  }
  return success();
}
