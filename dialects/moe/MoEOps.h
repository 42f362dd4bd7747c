//===- MoEOps.h - ops and attributes of the moe dialect -------------------===//

#ifndef DIALECTS_MOE_MOEOPS_H
#define DIALECTS_MOE_MOEOPS_H

#include "dialects/moe/MoEDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/SmallVector.h"

#include <string>

#include "dialects/moe/MoEEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/moe/MoEAttrs.h.inc"

namespace mlir::moe {
class DecoderLayerOp;
class MTPLayerOp;
} // namespace mlir::moe

#define GET_OP_CLASSES
#include "dialects/moe/MoEOps.h.inc"

namespace mlir::moe {
/// What a saved tensor is, so that recompute and swap can target it.
enum class SavedTensorKind {
  LayerInput,    ///< the input of a norm or of a projection
  NormStats,     ///< per-token normalization statistics (fp32)
  Projection,    ///< the output of a linear projection kept for the next op
  MLAUpProj,     ///< MLA up-projected q/k/v (MindSpeed --recompute-mla-up-proj)
  AttentionCore, ///< flash-attention softmax statistics (log-sum-exp)
  Activation,    ///< the input of an activation function (SwiGLU/GeLU)
  Router,        ///< router probabilities and routing map
  Permuted,      ///< tokens permuted to experts, or expert outputs to combine
  Logits,        ///< LM head logits / softmax for the cross-entropy
};

/// A tensor an op keeps from its forward pass for its backward pass, sized
/// per token of a micro-batch for the whole model width (before any tensor-
/// or sequence-parallel split) under bf16 activations. Routed-expert tensors
/// count top-k copies per token, the balanced expectation.
struct SavedTensor {
  std::string name;
  SavedTensorKind kind;
  int64_t bytesPerToken;
};

/// The tensors `op` saves (a leaf op; containers return their leaves'), in
/// forward order. Flash attention is assumed, so nothing grows with seq².
llvm::SmallVector<SavedTensor> savedTensors(mlir::Operation *op);

/// Sum of bytesPerToken over savedTensors(op).
int64_t savedBytesPerToken(mlir::Operation *op);

/// The name of a saved tensor within its op: "q" for "attention.q". The
/// moe.memory attribute names tensors so.
llvm::StringRef localTensorName(llvm::StringRef name);

/// Whether the model's moe.memory sends its optimizer state to host memory.
bool swapsOptimizer(ModelOp model);

/// Whether any op's moe.overlap chooses forward/backward overlap.
bool anyFBOverlap(ModelOp model);

/// True for the gated activations (two input projections of width ffn).
inline bool isGated(Activation act) {
  return act == Activation::SwiGLU || act == Activation::GeGLU;
}
} // namespace mlir::moe

#endif // DIALECTS_MOE_MOEOPS_H
