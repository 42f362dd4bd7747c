//===- ModelAnalysis.h - parameters, FLOPs and saved tensors of a model ---===//
//
// Everything here is derived from the `moe` IR alone: the planner's passes,
// the cost interpreter and the reports all read model facts from these
// functions, so there is one definition of each count.
//
//===----------------------------------------------------------------------===//

#ifndef MOEPLAN_ANALYSIS_MODELANALYSIS_H
#define MOEPLAN_ANALYSIS_MODELANALYSIS_H

#include "dialects/moe/MoEOps.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>

namespace moeplan {

/// Parameter counts of a model. `active` counts the parameters a token's
/// forward pass computes with: attention, dense MLPs, routers, shared
/// experts, top-k of the routed experts, norms and the LM head, but not the
/// input embedding, whose rows are only looked up (the convention of
/// Pangu Ultra MoE's 39B and DeepSeek-V3's 37B; Mixtral's 12.9B adds the
/// embedding: `active + embedding`). MTP layers are counted apart (`mtp`,
/// `mtpActive`), as DeepSeek-V3 reports its 671B main model.
struct ParamCounts {
  int64_t total = 0;
  int64_t active = 0;
  int64_t embedding = 0; ///< input embedding, learned positions included
  int64_t head = 0;      ///< LM head; 0 when tied to the embedding
  int64_t routedExperts = 0; ///< all routed experts of the main model
  int64_t mtp = 0;
  int64_t mtpActive = 0;
};

/// Parameters of one op (a leaf, a decoder layer, an MTP layer or the model),
/// and how many of them one token uses. Fails with an error on `op` when a
/// count does not fit in 64 bits.
struct OpParams {
  int64_t total = 0;
  int64_t active = 0;
};
mlir::FailureOr<OpParams> countOpParameters(mlir::Operation *op);

/// Counts the parameters of a whole model; fails with an error on overflow.
mlir::FailureOr<ParamCounts> countParameters(mlir::moe::ModelOp model);

/// The published conventions for "FLOPs per token" (training: forward and
/// backward), see docs/flops-conventions.md.
enum class FlopsConvention {
  /// Megatron-Core `num_floating_point_operations` since 2025-03: GEMM FLOPs
  /// ×3 for backward, causal attention halved, MTP and logits included.
  MegatronCore,
  /// Megatron-Core before 2025-03 (and Korthikanti 2022 model FLOPs): the
  /// same without the causal halving.
  MegatronCoreLegacy,
  /// Narayanan 2021 eq. 3: hardware FLOPs with full recompute (the layers'
  /// forward counted twice), logits not recomputed.
  NarayananHardware,
  /// PaLM appendix B: 6·N (N active, input embedding excluded) plus
  /// 12·layers·heads·head_dim·seq, attention not halved.
  PaLM,
  /// The MoE shortcut 6·N_active, attention ignored.
  ActiveParams,
};

/// The command-line spelling of a convention, e.g. "megatron-core".
llvm::StringRef stringifyFlopsConvention(FlopsConvention convention);
std::optional<FlopsConvention> parseFlopsConvention(llvm::StringRef name);
/// All conventions, in declaration order.
llvm::ArrayRef<FlopsConvention> allFlopsConventions();

/// Training FLOPs (forward + backward) per token at sequence length `seq`.
/// Fails (with an error on `model`) only when parameters overflow.
mlir::FailureOr<double> flopsPerToken(mlir::moe::ModelOp model, int64_t seq,
                                      FlopsConvention convention);

/// The saved-tensor model lives in the dialect (moe.memory names its
/// tensors); these are its names here.
using mlir::moe::SavedTensor;
using mlir::moe::SavedTensorKind;
using mlir::moe::savedBytesPerToken;
using mlir::moe::savedTensors;

/// A short stable name for a layer: "dense0", "moe3", "mtp0".
std::string layerName(mlir::Operation *layer);

/// The name of one of the model body's top-level ops, as layouts, stage
/// lists and reports show it: a layer's layerName, "final_norm" for the
/// final norm, else the op's name without the dialect ("embedding", "head").
std::string unitName(mlir::Operation *topLevelOp);

} // namespace moeplan

#endif // MOEPLAN_ANALYSIS_MODELANALYSIS_H
