//===- ModelSpec.h - a model as plain sizes, between config and IR -------===//
//
// Private to lib/Import. The per-model-type readers (HFModelTypes.cpp) fill a
// ModelSpec from a config; the builder (HFConfigImport.cpp) turns any
// ModelSpec into a `moe.model`.
//
//===----------------------------------------------------------------------===//

#ifndef MOEPLAN_LIB_IMPORT_MODELSPEC_H
#define MOEPLAN_LIB_IMPORT_MODELSPEC_H

#include "HFConfigReader.h"

#include "dialects/moe/MoEOps.h"
#include "mlir/Support/LLVM.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace moeplan::detail {

/// One attention block: GQA/MHA (`moe.attention`) or MLA.
struct AttentionSpec {
  bool mla = false;
  int64_t heads = 0;
  // GQA/MHA.
  int64_t kvHeads = 0, headDim = 0;
  bool qkvBias = false, outBias = false, qkNorm = false;
  // MLA.
  std::optional<int64_t> qLora;
  int64_t kvLora = 0, qkNope = 0, qkRope = 0, v = 0;
};

/// The feed-forward part of one layer: a dense MLP or routed experts.
struct FFNSpec {
  bool moe = false;
  /// The MLP width, or each routed expert's width.
  int64_t ffn = 0;
  mlir::moe::Activation act = mlir::moe::Activation::SwiGLU;
  bool bias = false;
  int64_t experts = 0, topK = 0;
  int64_t sharedCount = 0, sharedFfn = 0;
  bool sharedGated = false;

  static FFNSpec dense(int64_t ffn, mlir::moe::Activation act,
                       bool bias = false) {
    FFNSpec spec;
    spec.ffn = ffn;
    spec.act = act;
    spec.bias = bias;
    return spec;
  }
};

/// Everything the builder needs, independent of the config's spelling.
struct ModelSpec {
  std::string name;
  int64_t hidden = 0, vocab = 0, numLayers = 0;
  bool tied = false;
  /// Learned absolute positions (GPT-2); none means rotary.
  std::optional<int64_t> positions;
  mlir::moe::NormKind norm = mlir::moe::NormKind::RMS;
  /// Norms before and after both attention and the FFN (Pangu).
  bool sandwich = false;
  AttentionSpec attention;
  /// One entry per decoder layer.
  std::vector<FFNSpec> layers;
  int64_t mtpLayers = 0;
};

/// Reads one model type's keys into a ModelSpec; on bad input, emits an
/// error naming the key and fails.
using SpecReader = mlir::LogicalResult (*)(HFConfigReader &, ModelSpec &);

/// The readers, one per supported `model_type` (kimi_k2 uses DeepSeek-V3's).
mlir::LogicalResult readLlama(HFConfigReader &r, ModelSpec &spec);
mlir::LogicalResult readMistral(HFConfigReader &r, ModelSpec &spec);
mlir::LogicalResult readMixtral(HFConfigReader &r, ModelSpec &spec);
mlir::LogicalResult readQwen2(HFConfigReader &r, ModelSpec &spec);
mlir::LogicalResult readQwen2MoE(HFConfigReader &r, ModelSpec &spec);
mlir::LogicalResult readQwen3(HFConfigReader &r, ModelSpec &spec);
mlir::LogicalResult readQwen3MoE(HFConfigReader &r, ModelSpec &spec);
mlir::LogicalResult readGPT2(HFConfigReader &r, ModelSpec &spec);
mlir::LogicalResult readDeepseekV2(HFConfigReader &r, ModelSpec &spec);
mlir::LogicalResult readDeepseekV3(HFConfigReader &r, ModelSpec &spec);
mlir::LogicalResult readPanguUltraMoE(HFConfigReader &r, ModelSpec &spec);

} // namespace moeplan::detail

#endif // MOEPLAN_LIB_IMPORT_MODELSPEC_H
