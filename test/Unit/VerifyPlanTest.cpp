//===- VerifyPlanTest.cpp - the planner's own plans pass ascend-verify-plan ===//
//
// Random small models (dense and MoE, MHA/GQA and MLA, shared experts, MTP)
// on random layouts of small clusters, some with their devices' memory cut
// so that recompute=auto must recompute and swap, are planned as
// evaluatePlan plans them and checked by ascend-verify-plan with their
// recorded memory. Configurations the planner rejects (an impossible
// layout) do not count; 1,000 planned ones must all pass. The seed is
// fixed, so the configurations are the same on every run.
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"

#include "moeplan/Pipelines/Planning.h"
#include "moeplan/Transforms/Passes.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <iostream>
#include <map>
#include <random>

#include <gtest/gtest.h>

using namespace mlir;
using namespace moeplan;

namespace {

/// A random, valid model in the moe dialect.
class ModelMaker {
public:
  explicit ModelMaker(std::mt19937_64 &rng) : rng(rng) {}

  /// `swapOptimizer` keeps the optimizer state in host memory (it needs the
  /// distributed optimizer).
  std::string make(bool &isMoE, bool swapOptimizer) {
    hidden = pick({64, 128, 256});
    int64_t heads = pick({2, 4, 8});
    std::vector<int64_t> kvChoices;
    for (int64_t kv = 1; kv <= heads; kv *= 2)
      kvChoices.push_back(kv);
    std::string attention;
    if (chance(0.2))
      attention = "moe.mla_attention heads = " + str(heads) +
                  ", kv_lora = " + str(pick({32, 64})) +
                  ", qk_nope = " + str(pick({16, 32})) +
                  ", qk_rope = 16, v = " + str(pick({16, 32})) +
                  (chance(0.5) ? ", q_lora = 64" : "");
    else
      attention = "moe.attention heads = " + str(heads) +
                  ", kv_heads = " + str(pickFrom(kvChoices)) +
                  ", head_dim = " + str(pick({16, 32, 64}));
    std::string act = pickString({"swiglu", "gelu"});
    int64_t ffn = pick({128, 256, 512});
    isMoE = chance(0.6);
    int64_t experts = pick({2, 4, 8, 16});
    int64_t topK = range(1, std::min<int64_t>(4, experts));
    int64_t expertFfn = pick({32, 64, 128});
    bool shared = chance(0.3);
    int64_t layers = range(1, 6);
    int64_t dense = isMoE ? range(0, layers - 1) : layers;

    // Some tensors sent to host memory by hand, as a user may decide; the
    // passes keep such decisions and fill the rest.
    auto swap = [&](const char *tensor) -> std::string {
      return chance(0.15) ? std::string(" {moe.memory = #moe.memory<") +
                                tensor + " = swap>}"
                          : "";
    };
    auto layer = [&](int64_t index, bool moe, const std::string &attn,
                     const std::string &indent) {
      std::string text = indent + "moe.decoder_layer " + str(index) + " {\n";
      text += indent + "  moe.norm rms\n";
      text += indent + "  " + attn +
              (StringRef(attn).starts_with("moe.attention") ? swap("q") : "") +
              "\n";
      text += indent + "  moe.norm rms\n";
      if (!moe) {
        text += indent + "  moe.mlp ffn = " + str(ffn) + ", " + act +
                swap("act_input") + "\n";
      } else {
        text += indent + "  moe.router experts = " + str(experts) +
                ", top_k = " + str(topK) + "\n";
        text += indent + "  moe.dispatch\n";
        text += indent + "  moe.experts count = " + str(experts) +
                ", ffn = " + str(expertFfn) + ", swiglu" + swap("act_input") +
                "\n";
        text += indent + "  moe.combine\n";
        if (shared)
          text += indent + "  moe.shared_experts count = 1, ffn = " +
                  str(expertFfn) + ", swiglu, gated\n";
      }
      return text + indent + "}\n";
    };
    std::string text = "moe.model @random hidden = " + str(hidden) +
                       ", vocab = " + str(pick({128, 1000})) +
                       (swapOptimizer ? " attributes {moe.memory = "
                                        "#moe.memory<optimizer = swap>}"
                                      : "") +
                       " {\n";
    text += "  moe.embedding\n";
    for (int64_t i = 0; i < layers; ++i)
      text += layer(i, i >= dense, attention, "  ");
    text += "  moe.norm rms\n";
    if (chance(0.2)) {
      // An MTP layer without MLA's q_lora, as DeepSeek-V3's has.
      std::string mtpAttention = attention;
      if (size_t at = mtpAttention.find(", q_lora"); at != std::string::npos)
        mtpAttention.erase(at);
      text += "  moe.mtp_layer 0 {\n    moe.norm rms\n    moe.norm rms\n"
              "    moe.mtp_projection\n";
      text += layer(0, isMoE, mtpAttention, "    ");
      text += "    moe.norm rms\n  }\n";
    }
    text += "  moe.lm_head\n  moe.loss\n}\n";
    return text;
  }

  int64_t hidden = 0;

private:
  static std::string str(int64_t v) { return std::to_string(v); }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng); }
  int64_t range(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  }
  int64_t pickFrom(const std::vector<int64_t> &values) {
    return values[range(0, values.size() - 1)];
  }
  int64_t pick(std::initializer_list<int64_t> values) {
    return pickFrom(std::vector<int64_t>(values));
  }
  std::string pickString(std::initializer_list<const char *> values) {
    std::vector<const char *> v(values);
    return v[range(0, v.size() - 1)];
  }
  std::mt19937_64 &rng;
};

TEST(VerifyPlan, ThousandRandomPlansPass) {
  std::mt19937_64 rng(20261204);
  auto chance = [&](double p) { return std::bernoulli_distribution(p)(rng); };
  auto range = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  auto powerOfTwo = [&](int64_t most) {
    int64_t value = 1;
    while (value < most && chance(0.5))
      value *= 2;
    return value;
  };

  MLIRContext context;
  context.loadDialect<moe::MoEDialect>();
  context.printOpOnDiagnostic(false);
  std::string messages;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    messages += diag.str() + "\n";
    for (const Diagnostic &note : diag.getNotes())
      messages += "  note: " + note.str() + "\n";
    return success();
  });

  const int kPlans = 1000;
  int planned = 0, rejected = 0;
  std::map<std::string, int> features;
  double planning = 0, verifying = 0;
  auto start = std::chrono::steady_clock::now();
  for (int attempt = 0; planned < kPlans && attempt < 50 * kPlans; ++attempt) {
    PlanRequest request;
    request.seq = 64 * powerOfTwo(8);
    request.microBatch = range(1, 2);
    auto maybe = [&](std::optional<int64_t> &field, int64_t most) {
      if (chance(0.7))
        field = powerOfTwo(most);
    };
    maybe(request.tp, 8);
    maybe(request.pp, 4);
    if (request.pp.value_or(1) > 1)
      maybe(request.vpp, 2);
    maybe(request.cp, 2);
    request.distributedOptimizer = chance(0.5);
    bool swapOptimizer = request.distributedOptimizer && chance(0.2);

    ModelMaker maker(rng);
    bool isMoE = false;
    std::string text = maker.make(isMoE, swapOptimizer);
    OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, &context);
    ASSERT_TRUE(module) << text << messages;
    auto model = *module->getOps<moe::ModelOp>().begin();

    // Devices for the model-parallel sizes asked for and a few replicas.
    int64_t modelParallel =
        request.tp.value_or(1) * request.pp.value_or(1) * request.cp.value_or(1);
    int64_t dp = powerOfTwo(8);
    int64_t devices = modelParallel * dp;
    llvm::Expected<ClusterSpec> loaded = loadCluster(
        (chance(0.7) ? "ascend-910b:" : "h100-sxm:") + std::to_string(devices));
    ASSERT_TRUE(bool(loaded)) << llvm::toString(loaded.takeError());
    ClusterSpec cluster = std::move(*loaded);
    // Devices this small leave the planner's memory decisions work to do.
    bool tight = chance(0.5);
    if (tight)
      cluster.device.memoryBytes.value =
          cluster.device.runtimeReserveBytes.value + (int64_t(1) << range(18, 28));

    if (isMoE) {
      maybe(request.ep, 8);
      maybe(request.etp, 2);
      request.tpExtendEp = chance(0.2);
      request.hierarchicalA2a = chance(0.1);
    }
    if (chance(0.3))
      request.sp = chance(0.5);
    request.recompute =
        std::vector<std::string>{"none", "selective", "full", "auto",
                                 "auto"}[range(0, 4)];
    request.swap = chance(0.8);
    if (chance(0.3))
      request.fbOverlap = true;
    if (chance(0.2))
      request.attention = "unfused";
    if (chance(0.3))
      request.routingSkew = range(0, 20) / 10.0;
    // A global batch of a few micro-batches per data-parallel replica (the
    // interleaved schedule needs a multiple of PP; moe-shard checks).
    request.globalBatch =
        request.microBatch * dp * request.pp.value_or(1) * range(1, 4);

    messages.clear();
    auto t0 = std::chrono::steady_clock::now();
    FailureOr<PlanResult> plan =
        evaluatePlan(model, cluster, request, /*recordTrace=*/false,
                     /*verify=*/false);
    auto t1 = std::chrono::steady_clock::now();
    planning += std::chrono::duration<double>(t1 - t0).count();
    if (failed(plan)) {
      ++rejected; // the planner rejects the layout: not a plan
      continue;
    }
    // The plan as evaluatePlan returns it, its memory recorded: the IR
    // verifier and ascend-verify-plan on the cluster it was priced on.
    PassManager check(&context);
    check.addPass(createAscendVerifyPlanPass(cluster));
    bool ok = succeeded(mlir::verify(*plan->plan)) &&
              succeeded(check.run(*plan->plan));
    verifying +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t1)
            .count();
    ASSERT_TRUE(ok) << "configuration " << attempt << " on " << cluster.spec
                    << (tight ? " (memory cut)" : "") << ", request tp "
                    << plan->layout.tp << " pp " << plan->layout.pp << " vpp "
                    << plan->layout.vpp << " ep " << plan->layout.ep << " cp "
                    << plan->layout.cp << " dp " << plan->layout.dp
                    << " recompute " << request.recompute << ":\n"
                    << messages << "\n"
                    << text;
    ++planned;
    auto planOp = *plan->plan->getOps<ascend::PlanOp>().begin();
    const ParallelLayout &l = plan->layout;
    features["MoE"] += isMoE;
    features["PP > 1"] += l.pp > 1;
    features["VPP > 1"] += l.vpp > 1;
    features["TP > 1"] += l.tp > 1;
    features["EP > 1"] += l.ep > 1;
    features["CP > 1"] += l.cp > 1;
    features["DP > 1"] += l.dp > 1;
    features["fb overlap"] += l.fbOverlap;
    features["optimizer swapped"] += l.swapOptimizer;
    features["claims to fit"] += planOp->hasAttr(kFitsInAttr);
    features["memory cut"] += tight;
    features["memory cut, claims to fit"] += tight && planOp->hasAttr(kFitsInAttr);
    bool swaps = false, recomputes = false;
    planOp.walk([&](Operation *op) {
      swaps |= isa<ascend::SwapOutOp>(op);
      recomputes |= isa<ascend::RecomputeOp>(op);
    });
    features["swaps tensors"] += swaps;
    features["recomputes"] += recomputes;
  }
  double seconds = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - start)
                       .count();
  EXPECT_EQ(planned, kPlans);
  std::string summary;
  llvm::raw_string_ostream os(summary);
  os << planned << " random plans verified (" << rejected
     << " configurations rejected by the planner) in " << seconds
     << " s: planning " << planning << " s, verifying " << verifying
     << " s; of the plans:";
  for (auto &[feature, count] : features)
    os << " " << feature << " " << count << ",";
  std::cout << summary << "\n";
}

} // namespace
