//===- ModelAnalysisTest.cpp - parameters, FLOPs and saved tensors --------===//
//
// Hand-computed values for small models, and published figures for real
// ones (data/models/README.md says where each figure is published).
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"
#include "moeplan/Analysis/ModelAnalysis.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace moeplan;
using namespace moeplan::test;

namespace {

constexpr llvm::StringLiteral kDenseGQA = R"mlir(
moe.model @dense hidden = 256, vocab = 1024 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    moe.norm rms
    moe.mlp ffn = 688, swiglu
  }
  moe.decoder_layer 1 {
    moe.norm rms
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    moe.norm rms
    moe.mlp ffn = 688, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}
)mlir";

#define MLA "moe.mla_attention heads = 4, kv_lora = 64, qk_nope = 32, " \
            "qk_rope = 16, v = 32, q_lora = 96"
#define MOE_FFN "moe.router experts = 8, top_k = 2\n moe.dispatch\n" \
                "moe.experts count = 8, ffn = 128, swiglu\n moe.combine\n" \
                "moe.shared_experts count = 1, ffn = 256, swiglu\n"

constexpr llvm::StringLiteral kMoEMLA =
    "moe.model @moe hidden = 512, vocab = 1000 {\n"
    "  moe.embedding\n"
    "  moe.decoder_layer 0 { moe.norm rms\n" MLA "\n moe.norm rms\n"
    "    moe.mlp ffn = 1024, swiglu }\n"
    "  moe.decoder_layer 1 { moe.norm rms\n" MLA "\n moe.norm rms\n" MOE_FFN "}\n"
    "  moe.norm rms\n"
    "  moe.mtp_layer 0 { moe.norm rms\n moe.norm rms\n moe.mtp_projection\n"
    "    moe.decoder_layer 0 { moe.norm rms\n" MLA "\n moe.norm rms\n" MOE_FFN "}\n"
    "    moe.norm rms }\n"
    "  moe.lm_head\n"
    "  moe.loss\n"
    "}\n";

// MLA with h = 512: q down + q norm + q up, kv down (with the rotary key) +
// kv norm + kv up, output projection.
constexpr int64_t kMLAParams = (512 * 96 + 96 + 96 * 4 * (32 + 16)) +
                               (512 * (64 + 16) + 64 + 64 * 4 * (32 + 32)) +
                               4 * 32 * 512;

TEST(ParamCount, DenseGQAByHand) {
  auto loaded = parseModel(kDenseGQA);
  ASSERT_TRUE(loaded->module);
  FailureOr<ParamCounts> p = countParameters(loaded->model());
  ASSERT_TRUE(succeeded(p));
  const int64_t attention = 256 * (256 + 2 * 128) + 256 * 256;
  const int64_t layer = 2 * 256 + attention + 3 * 256 * 688;
  EXPECT_EQ(p->embedding, 1024 * 256);
  EXPECT_EQ(p->head, 1024 * 256);
  EXPECT_EQ(p->total, 2 * 1024 * 256 + 2 * layer + 256);
  // Everything is active but the input embedding, which is only looked up.
  EXPECT_EQ(p->active, p->total - p->embedding);
  EXPECT_EQ(p->mtp, 0);
}

TEST(ParamCount, TiedEmbeddingCountsOnce) {
  std::string tied = kDenseGQA.str();
  tied.replace(tied.find("vocab = 1024"), 12, "vocab = 1024, tied");
  auto loaded = parseModel(tied);
  ASSERT_TRUE(loaded->module);
  FailureOr<ParamCounts> p = countParameters(loaded->model());
  ASSERT_TRUE(succeeded(p));
  EXPECT_EQ(p->head, 0);
  EXPECT_EQ(p->embedding, 1024 * 256);
}

TEST(ParamCount, MoEWithMLAAndMTPByHand) {
  auto loaded = parseModel(kMoEMLA);
  ASSERT_TRUE(loaded->module);
  FailureOr<ParamCounts> p = countParameters(loaded->model());
  ASSERT_TRUE(succeeded(p));
  const int64_t dense = 2 * 512 + kMLAParams + 3 * 512 * 1024;
  const int64_t expert = 3 * 512 * 128;
  const int64_t moeFixed = 2 * 512 + kMLAParams + 8 * 512 + 3 * 512 * 256;
  const int64_t moe = moeFixed + 8 * expert;
  const int64_t moeActive = moeFixed + 2 * expert;
  const int64_t embeddingAndHead = 2 * 1000 * 512;
  EXPECT_EQ(p->total, embeddingAndHead + dense + moe + 512);
  EXPECT_EQ(p->active, 1000 * 512 + dense + moeActive + 512);
  EXPECT_EQ(p->routedExperts, 8 * expert);
  EXPECT_EQ(p->mtp, 3 * 512 + 2 * 512 * 512 + moe);
  EXPECT_EQ(p->mtpActive, 3 * 512 + 2 * 512 * 512 + moeActive);
}

TEST(ParamCount, OverflowIsAnErrorNotAWrap) {
  auto loaded = parseModel(R"mlir(
moe.model @huge hidden = 4611686018427387904, vocab = 4 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 1, kv_heads = 1, head_dim = 1
    moe.norm rms
    moe.mlp ffn = 1, relu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}
)mlir");
  ASSERT_TRUE(loaded->module);
  std::string message;
  ScopedDiagnosticHandler handler(&loaded->context, [&](Diagnostic &d) {
    message = d.str();
    return success();
  });
  EXPECT_TRUE(failed(countParameters(loaded->model())));
  EXPECT_NE(message.find("overflows 64 bits"), std::string::npos) << message;
  EXPECT_TRUE(failed(flopsPerToken(loaded->model(), 4096,
                                   FlopsConvention::MegatronCore)));
}

//===----------------------------------------------------------------------===//
// FLOPs: each convention against its published formula, written out here
// independently of the implementation.
//===----------------------------------------------------------------------===//

TEST(Flops, DenseMatchesMegatronCoreFormula) {
  auto loaded = parseModel(kDenseGQA);
  ASSERT_TRUE(loaded->module);
  const double h = 256, q = 256, kv = 128, f = 688, V = 1024, s = 1024, l = 2;
  // Megatron-Core since 2025-03, per token: attention 6[h(q+2kv) + qh] +
  // 6·q·s (causal half of 12·q·s), SwiGLU MLP 6·h·f·3, logits 6·h·V.
  double layer = 6 * (h * (q + 2 * kv) + q * h) + 6 * q * s + 6 * h * f * 3;
  double expected = l * layer + 6 * h * V;
  EXPECT_DOUBLE_EQ(*flopsPerToken(loaded->model(), 1024,
                                  FlopsConvention::MegatronCore),
                   expected);
  // Before 2025-03 the causal mask was not halved.
  EXPECT_DOUBLE_EQ(*flopsPerToken(loaded->model(), 1024,
                                  FlopsConvention::MegatronCoreLegacy),
                   expected + l * 6 * q * s);
}

TEST(Flops, MoEWithMLAAndMTPMatchesMegatronCoreFormula) {
  auto loaded = parseModel(kMoEMLA);
  ASSERT_TRUE(loaded->module);
  const double h = 512, n = 4, qLora = 96, kvLora = 64, nope = 32, rope = 16,
               v = 32, V = 1000, s = 2048;
  double attention = 6 * (qLora * (h + n * (nope + rope) + 1) +
                          kvLora * (h + n * (nope + v) + 1) + h * rope +
                          n * v * h + s * n * (nope + rope) / 2 +
                          s * n * v / 2);
  double denseMlp = 6 * h * 1024 * 3;
  double moeMlp = 6 * h * (128 * 2 + 256) * 3;
  // The MTP layer counts as one more layer of the last layer's kind, plus
  // its norms and 2h→h projection, plus its own logits.
  double mtp = attention + moeMlp + 6 * (3 * h + 2 * h * h);
  double expected = attention + denseMlp + attention + moeMlp + mtp +
                    6 * h * V * 2;
  EXPECT_NEAR(*flopsPerToken(loaded->model(), 2048,
                             FlopsConvention::MegatronCore),
              expected, expected * 1e-12);
}

TEST(Flops, ConventionsRelateAsPublished) {
  auto loaded = parseModel(kDenseGQA);
  ASSERT_TRUE(loaded->module);
  auto flops = [&](FlopsConvention c) {
    return *flopsPerToken(loaded->model(), 1024, c);
  };
  FailureOr<ParamCounts> p = countParameters(loaded->model());
  const double logits = 6.0 * 256 * 1024;
  // Narayanan eq. 3 = 4/3 of the model FLOPs for the layers (full recompute
  // reruns each forward), logits unchanged.
  EXPECT_DOUBLE_EQ(flops(FlopsConvention::NarayananHardware) - logits,
                   (flops(FlopsConvention::MegatronCoreLegacy) - logits) * 4 / 3);
  // PaLM: 6N without the input embedding, plus 12·L·H·Q·T.
  EXPECT_DOUBLE_EQ(flops(FlopsConvention::PaLM),
                   6.0 * (p->total - p->embedding) + 12.0 * 2 * 4 * 64 * 1024);
  EXPECT_DOUBLE_EQ(flops(FlopsConvention::ActiveParams), 6.0 * p->active);
}

TEST(Flops, ConventionNamesRoundTrip) {
  for (FlopsConvention c : allFlopsConventions())
    EXPECT_EQ(parseFlopsConvention(stringifyFlopsConvention(c)), c);
  EXPECT_FALSE(parseFlopsConvention("megatron"));
}

//===----------------------------------------------------------------------===//
// Saved tensors
//===----------------------------------------------------------------------===//

TEST(SavedTensors, DenseLayerByHand) {
  auto loaded = parseModel(kDenseGQA);
  ASSERT_TRUE(loaded->module);
  auto layer = *loaded->model().getDecoderLayers().begin();
  // Two norms (input + fp32 rstd), attention (input, q, k and v, flash
  // output, fp32 log-sum-exp per head), SwiGLU MLP (input, 2f gate/up, f).
  int64_t norms = 2 * (256 * 2 + 4);
  int64_t attention = 256 * 2 + 256 * 2 + 2 * 128 * 2 + 256 * 2 + 4 * 4;
  int64_t mlp = 256 * 2 + 2 * 688 * 2 + 688 * 2;
  EXPECT_EQ(savedBytesPerToken(layer), norms + attention + mlp);
}

TEST(SavedTensors, RoutedExpertsScaleWithTopK) {
  auto loaded = parseModel(kMoEMLA);
  ASSERT_TRUE(loaded->module);
  auto layers = loaded->model().getDecoderLayers();
  auto moeLayer = *std::next(layers.begin());
  int64_t experts = 0, mlaUpProj = 0;
  for (const SavedTensor &t : savedTensors(moeLayer)) {
    if (llvm::StringRef(t.name).starts_with("experts."))
      experts += t.bytesPerToken;
    if (t.kind == SavedTensorKind::MLAUpProj)
      mlaUpProj += t.bytesPerToken;
  }
  // top-2 copies of input h, gate/up 2f and activation output f.
  EXPECT_EQ(experts, 2 * (512 + 2 * 128 + 128) * 2);
  // q and k are heads × (nope + rope), v is heads × v.
  EXPECT_EQ(mlaUpProj, (2 * 4 * 48 + 4 * 32) * 2);
}

TEST(LayerNames, NameKindAndIndex) {
  auto loaded = parseModel(kMoEMLA);
  ASSERT_TRUE(loaded->module);
  std::vector<std::string> names;
  for (auto layer : loaded->model().getDecoderLayers())
    names.push_back(layerName(layer));
  for (auto mtp : loaded->model().getMTPLayers())
    names.push_back(layerName(mtp));
  EXPECT_EQ(names, (std::vector<std::string>{"dense0", "moe1", "mtp0"}));
}

} // namespace
