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

def MoE_Precision : I32EnumAttr<"Precision", "precision of linear layers' GEMMs", [
    I32EnumAttrCase<"BF16", 0, "bf16">,
    I32EnumAttrCase<"FP8", 1, "fp8">
  ]> {
  let cppNamespace = "::mlir::moe";
}

def MoE_AttentionCore : I32EnumAttr<"AttentionCore", "attention core kernel", [
    I32EnumAttrCase<"Flash", 0, "flash">,
    I32EnumAttrCase<"Unfused", 1, "unfused">
  ]> {
  let cppNamespace = "::mlir::moe";
}

def MoE_MemoryChoice : I32EnumAttr<"MemoryChoice",
    "what happens to a saved tensor between forward and backward", [
    I32EnumAttrCase<"Keep", 0, "keep">,           // stays in device memory
    I32EnumAttrCase<"Recompute", 1, "recompute">, // rerun before backward
    I32EnumAttrCase<"Swap", 2, "swap">            // to host memory and back
  ]> {
  let cppNamespace = "::mlir::moe";
}

def MoE_OverlapChoice : I32EnumAttr<"OverlapChoice",
    "what a communication hides under", [
    // The compute stream waits for it (Megatron's default).
    I32EnumAttrCase<"Blocking", 0, "blocking">,
    // Under the other micro-batch's compute: each steady-state backward runs
    // with the next forward (MindSpeed --moe-fb-overlap).
    I32EnumAttrCase<"FB", 1, "fb">
  ]> {
  let cppNamespace = "::mlir::moe";
}

def MoE_LayoutAttr : AttrDef<MoE_Dialect, "Layout"> {
  let mnemonic = "layout";
  let summary = "the parallel layout of a model: 5D sharding and its options";
  let description = [{
    Written on a `moe.model` as `moe.layout` by `moe-shard`, or by hand.
    Attention and dense layers use TP × CP × DP × PP devices, experts
    ETP × EP × EDP × PP over the same devices (Megatron's parallel folding),
    so EDP = TP·CP·DP / (EP·ETP). `tp_extend_ep` spreads experts over
    TP × EP ranks (ETP 1); `hierarchical_a2a` dispatches tokens with an
    all-gather across nodes and an all-to-all within each node; `vpp` is
    the number of virtual stages (chunks) per pipeline rank.

    A layout may be partial: a size left out (or written as 0) and an `sp`
    left out are open, and `moe-shard` chooses them while keeping every
    field that is given. The options left out are false.

    ```mlir
    #moe.layout<tp = 8, pp = 16, vpp = 2, ep = 4, etp = 1, cp = 1, dp = 48,
                sp = true, tp_extend_ep = true, hierarchical_a2a = false,
                distributed_optimizer = true>
    #moe.layout<tp = 8, ep = 4>   // the rest for moe-shard to choose
    ```
  }];
  let parameters = (ins "int64_t":$tp, "int64_t":$pp, "int64_t":$vpp,
                        "int64_t":$ep, "int64_t":$etp, "int64_t":$cp,
                        "int64_t":$dp, "std::optional<bool>":$sp,
                        "bool":$tp_extend_ep, "bool":$hierarchical_a2a,
                        "bool":$distributed_optimizer);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Whether every size is decided and sequence parallelism is stated.
    bool isComplete() const;
    /// Sequence parallelism (false while open).
    bool isSequenceParallel() const { return getSp().value_or(false); }
    /// Devices the layout covers: TP·CP·DP·PP.
    int64_t getDevices() const;
    /// Ranks the routed experts are spread over: EP, or TP·EP with
    /// TP-extended EP.
    int64_t getExpertGroup() const;
    /// Expert data parallelism: TP·CP·DP / (EP·ETP).
    int64_t getExpertDataParallel() const;
  }];
}

def MoE_TrainingAttr : AttrDef<MoE_Dialect, "Training"> {
  let mnemonic = "training";
  let summary = "the training setup a plan is made for";
  let description = [{
    Written on a `moe.model` as `moe.training` by `moe-shard` from its
    options, or by hand: `seq` tokens per sequence, `micro_batch` and
    `global_batch` sequences per micro-batch and per optimizer step, the
    `precision` of the linear layers' GEMMs (`bf16`, or `fp8` as Transformer
    Engine runs them: attention stays bf16), the `attention` core (`flash`,
    or `unfused` as Megatron ran it before flash attention) and the
    `routing_skew`, the coefficient of variation of the tokens each expert
    receives (left out: the published measurements,
    docs/load-imbalance.md). A size left out (or 0) is open and taken from
    moe-shard's options.

    ```mlir
    #moe.training<seq = 4096, micro_batch = 2, global_batch = 6144,
                  precision = bf16, attention = flash>
    ```
  }];
  let parameters = (ins "int64_t":$seq, "int64_t":$micro_batch,
                        "int64_t":$global_batch, "Precision":$precision,
                        "AttentionCore":$attention,
                        "::mlir::FloatAttr":$routing_skew);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Whether seq, micro_batch and global_batch are all given.
    bool isComplete() const;
    /// The routing skew, if stated.
    std::optional<double> getSkew() const;
  }];
}

def MoE_PlacementAttr : AttrDef<MoE_Dialect, "Placement"> {
  let mnemonic = "placement";
  let summary = "the pipeline rank and virtual chunk a pipeline unit runs on";
  let description = [{
    Written as `moe.placement` on every pipeline unit of a model (the
    embedding, each decoder and MTP layer, the final norm, the LM head and
    the loss) by `moe-balance-stages`, or by hand: a hand-set placement is
    kept and the others are balanced around it. `stage` is the pipeline
    rank, `chunk` the virtual stage on that rank; Megatron numbers the
    virtual stage chunk · PP + stage.

    ```mlir
    moe.decoder_layer 3 attributes {moe.placement = #moe.placement<stage = 1, chunk = 0>} { ... }
    ```
  }];
  let parameters = (ins "int64_t":$stage, "int64_t":$chunk);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def MoE_MemoryAttr : AttrDef<MoE_Dialect, "Memory"> {
  let mnemonic = "memory";
  let summary = "keep, recompute or swap, per tensor an op saves for backward";
  let description = [{
    Written as `moe.memory` on an op that saves tensors for its backward
    pass, by `moe-select-memory` or by hand, naming each tensor by its name
    within the op (`docs/moe-dialect.md` lists them): `keep` holds it in
    device memory, `recompute` reruns the work that produces it before the
    backward pass (every tensor of a layer recomputed is Megatron's full
    recompute of that layer, keeping its input), `swap` sends it to host
    memory after the forward pass and fetches it back before the backward
    pass. A tensor left out is open; a hand-set choice is kept. On a
    `moe.model`, the one name is `optimizer`, the optimizer state: `keep`,
    or `swap` to hold it in host memory outside the optimizer step
    (MindSpeed's `--swap-optimizer`).

    ```mlir
    moe.attention heads = 8, kv_heads = 8, head_dim = 64
        {moe.memory = #moe.memory<q = keep, softmax_lse = recompute, core_output = swap>}
    ```
  }];
  let parameters = (ins "::mlir::DictionaryAttr":$choices);
  let hasCustomAssemblyFormat = 1;
  let extraClassDeclaration = [{
    /// The choice for `tensor`, if one is made.
    std::optional<MemoryChoice> lookup(::llvm::StringRef tensor) const;
  }];
}

def MoE_OverlapAttr : AttrDef<MoE_Dialect, "Overlap"> {
  let mnemonic = "overlap";
  let summary = "what each communication of an op hides under";
  let description = [{
    Written as `moe.overlap` on an op that communicates under the model's
    layout, by `moe-plan-overlap` or by hand, naming each communication by
    its name within the op (`sp_gather`, `all_to_all`, `kv_gather`, ...;
    the lowering says which an op has when a name is wrong): `blocking`
    makes the compute stream wait for it, `fb` hides it under the other
    micro-batch's compute by running each steady-state backward with the
    next forward. A communication left out is open; a hand-set choice is
    kept.

    ```mlir
    moe.dispatch {moe.overlap = #moe.overlap<all_to_all = fb>}
    ```
  }];
  let parameters = (ins "::mlir::DictionaryAttr":$choices);
  let hasCustomAssemblyFormat = 1;
  let extraClassDeclaration = [{
    /// The choice for `communication`, if one is made.
    std::optional<OverlapChoice> lookup(::llvm::StringRef communication) const;
  }];
}

#endif // MOE_ATTRS_TD
