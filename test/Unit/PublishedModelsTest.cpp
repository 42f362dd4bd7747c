//===- PublishedModelsTest.cpp - counts of real models vs published -------===//
//
// Imports the configs in data/models and compares the derived counts with
// the figures their publishers report (data/models/README.md says where).
// A published figure is matched within 1%, or within its rounding when it
// is given to fewer digits than that ("37B" means 36.5B to 37.5B).
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"
#include "moeplan/Analysis/ModelAnalysis.h"

#include "gtest/gtest.h"

#include <cmath>

using namespace mlir;
using namespace moeplan;
using namespace moeplan::test;

namespace {

/// `published` in units of `unit` (1e9 for "B"), given to `decimals`
/// decimal places.
void expectPublished(int64_t actual, double published, double unit,
                     int decimals, const char *what) {
  double rounding = 0.5 * std::pow(10.0, -decimals) * unit;
  double tolerance = std::max(0.01 * published * unit, rounding);
  EXPECT_NEAR(double(actual), published * unit, tolerance) << what;
}

ParamCounts countsOf(llvm::StringRef name) {
  auto loaded = importModel(name);
  EXPECT_TRUE(loaded->module) << name.str() << " did not import";
  if (!loaded->module)
    return {};
  FailureOr<ParamCounts> counts = countParameters(loaded->model());
  EXPECT_TRUE(succeeded(counts));
  return succeeded(counts) ? *counts : ParamCounts{};
}

constexpr double B = 1e9;

TEST(PublishedModels, PanguUltraMoE) {
  ParamCounts p = countsOf("pangu-ultra-moe-718b");
  expectPublished(p.total, 718, B, 0, "total");
  expectPublished(p.active, 39, B, 0, "active, input embedding excluded");
  EXPECT_GT(p.mtp, 0);
}

TEST(PublishedModels, DeepSeekV3) {
  ParamCounts p = countsOf("deepseek-v3");
  expectPublished(p.total, 671, B, 0, "total, MTP module apart");
  expectPublished(p.active, 37, B, 0, "active, input embedding excluded");
}

TEST(PublishedModels, Mixtral8x7B) {
  ParamCounts p = countsOf("mixtral-8x7b");
  expectPublished(p.total, 46.7, B, 1, "total");
  expectPublished(p.active + p.embedding, 12.9, B, 1,
                  "active, input embedding included");
}

TEST(PublishedModels, Llama2_70B) {
  ParamCounts p = countsOf("llama-2-70b");
  expectPublished(p.total, 69, B, 0, "total");
}

TEST(PublishedModels, OtherPublicConfigs) {
  expectPublished(countsOf("qwen3-30b-a3b").total, 30.5, B, 1, "Qwen3-30B-A3B");
  ParamCounts qwen3 = countsOf("qwen3-30b-a3b");
  // Qwen reports the count without embedding and head as well.
  expectPublished(qwen3.total - qwen3.embedding - qwen3.head, 29.9, B, 1,
                  "Qwen3-30B-A3B non-embedding");
  ParamCounts qwenMoE = countsOf("qwen1.5-moe-a2.7b");
  expectPublished(qwenMoE.total, 14.3, B, 1, "Qwen1.5-MoE-A2.7B");
  expectPublished(qwenMoE.active + qwenMoE.embedding, 2.7, B, 1,
                  "Qwen1.5-MoE-A2.7B active, embedding included");
  ParamCounts lite = countsOf("deepseek-v2-lite");
  expectPublished(lite.total, 15.7, B, 1, "DeepSeek-V2-Lite");
  ParamCounts kimi = countsOf("kimi-k2-instruct");
  expectPublished(kimi.total, 1.0, 1e12, 1, "Kimi K2");
  expectPublished(kimi.active, 32, B, 0, "Kimi K2 active");
  expectPublished(countsOf("qwen3-8b").total, 8.2, B, 1, "Qwen3-8B");
  expectPublished(countsOf("mistral-7b-v0.1").total, 7.3, B, 1, "Mistral 7B");
  expectPublished(countsOf("gpt2").total, 124, 1e6, 0, "GPT-2");
  expectPublished(countsOf("llama-3.1-8b").total, 8.0, B, 1, "Llama 3.1 8B");
}

/// Megatron-Core's FLOPs per token for published configurations, as
/// derived independently in ../shared/reference/calibration.json (field
/// `flops_per_token_megatron_causal`, sequence length 4096).
TEST(PublishedModels, FlopsMatchMegatronCore) {
  struct Case {
    const char *model;
    double flops;
  } cases[] = {{"mixtral-8x7b", 79706456064.0},
               {"deepseek-v3", 259992950784.0},
               {"llama-2-70b", 428385239040.0}};
  for (const Case &c : cases) {
    auto loaded = importModel(c.model);
    ASSERT_TRUE(loaded->module) << c.model;
    FailureOr<double> flops =
        flopsPerToken(loaded->model(), 4096, FlopsConvention::MegatronCore);
    ASSERT_TRUE(succeeded(flops));
    EXPECT_NEAR(*flops, c.flops, c.flops * 0.01) << c.model;
  }
}

} // namespace
