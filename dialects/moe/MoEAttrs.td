//===- MoEAttrs.td - enums of the moe dialect ----------------------------===//

#ifndef MOE_ATTRS_TD
#define MOE_ATTRS_TD

include "dialects/moe/MoEDialect.td"
include "mlir/IR/AttrTypeBase.td"
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

def MoE_LayoutAttr : AttrDef<MoE_Dialect, "Layout"> {
  let mnemonic = "layout";
  let summary = "the parallel layout of a model: 5D sharding and its options";
  let description = [{
    Written on a `moe.model` as `moe.layout` by `moe-shard` (or by hand).
    Attention and dense layers use TP × CP × DP × PP devices, experts
    ETP × EP × EDP × PP over the same devices (Megatron's parallel folding),
    so EDP = TP·CP·DP / (EP·ETP). `tp_extend_ep` spreads experts over
    TP × EP ranks (ETP 1); `hierarchical_a2a` dispatches tokens with an
    all-gather across nodes and an all-to-all within each node; `vpp` is
    the number of virtual stages (chunks) per pipeline rank.

    ```mlir
    #moe.layout<tp = 8, pp = 16, vpp = 2, ep = 4, etp = 1, cp = 1, dp = 48,
                sp = true, tp_extend_ep = true, hierarchical_a2a = false,
                distributed_optimizer = true>
    ```
  }];
  let parameters = (ins "int64_t":$tp, "int64_t":$pp, "int64_t":$vpp,
                        "int64_t":$ep, "int64_t":$etp, "int64_t":$cp,
                        "int64_t":$dp, "bool":$sp, "bool":$tp_extend_ep,
                        "bool":$hierarchical_a2a,
                        "bool":$distributed_optimizer);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Devices the layout covers: TP·CP·DP·PP.
    int64_t getDevices() const;
    /// Ranks the routed experts are spread over: EP, or TP·EP with
    /// TP-extended EP.
    int64_t getExpertGroup() const;
    /// Expert data parallelism: TP·CP·DP / (EP·ETP).
    int64_t getExpertDataParallel() const;
  }];
}

#endif // MOE_ATTRS_TD
