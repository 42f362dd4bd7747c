//===- MoEAttrs.td - enums of the moe dialect ----------------------------===//

#ifndef MOE_ATTRS_TD
#define MOE_ATTRS_TD

include "dialects/moe/MoEDialect.td"
include "mlir/IR/EnumAttr.td"

def MoE_NormKind : I32EnumAttr<"NormKind", "normalization kind", [
    I32EnumAttrCase<"RMS", 0, "rms">,
    I32EnumAttrCase<"Layer", 1, "layer">
  ]> {
  let cppNamespace = "::mlir::moe";
}

def MoE_Activation : I32EnumAttr<"Activation", "feed-forward activation", [
    I32EnumAttrCase<"SwiGLU", 0, "swiglu">,
    I32EnumAttrCase<"GeGLU", 1, "geglu">,
    I32EnumAttrCase<"GeLU", 2, "gelu">,
    I32EnumAttrCase<"ReLU", 3, "relu">,
    I32EnumAttrCase<"SiLU", 4, "silu">
  ]> {
  let cppNamespace = "::mlir::moe";
}

// Sizes are signed so that a negative value written by hand is reported as
// such rather than wrapping to a huge unsigned number.
def MoE_Size : ConfinedAttr<I64Attr, [IntPositive]> {
  let returnType = "int64_t";
  let convertFromStorage = "$_self.getValue().getSExtValue()";
  let summary = "positive size";
}
def MoE_Index : ConfinedAttr<I64Attr, [IntNonNegative]> {
  let returnType = "int64_t";
  let convertFromStorage = "$_self.getValue().getSExtValue()";
  let summary = "non-negative index";
}

#endif // MOE_ATTRS_TD
