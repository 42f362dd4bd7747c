//===- MoEOps.td - ops of the moe dialect --------------------------------===//

#ifndef MOE_OPS_TD
#define MOE_OPS_TD

include "dialects/moe/MoEDialect.td"
include "dialects/moe/MoEAttrs.td"
include "mlir/IR/OpBase.td"
include "mlir/IR/SymbolInterfaces.td"

//===----------------------------------------------------------------------===//
// Containers
//===----------------------------------------------------------------------===//

def MoE_ModelOp : MoE_Op<"model", [
    Symbol, IsolatedFromAbove, NoTerminator, SingleBlock, NoRegionArguments]> {
  let summary = "a decoder-only language model";
  let description = [{
    The whole model, in execution order: `moe.embedding`, the
    `moe.decoder_layer`s numbered from 0, any `moe.mtp_layer`s numbered from
    0, the final `moe.norm`, `moe.lm_head` and `moe.loss`. `hidden` is the
    model width and `vocab` the vocabulary size; `tied` shares the input
    embedding with the LM head.

    ```mlir
    moe.model @llama hidden = 4096, vocab = 32000 {
      moe.embedding
      moe.decoder_layer 0 { ... }
      moe.norm rms
      moe.lm_head
      moe.loss
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, MoE_Size:$hidden_size,
                       MoE_Size:$vocab_size, UnitAttr:$tie_word_embeddings);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $sym_name `hidden` `=` $hidden_size `,` `vocab` `=` $vocab_size
    (`,` `tied` $tie_word_embeddings^)? attr-dict-with-keyword $body
  }];
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    auto getDecoderLayers() { return getBody().getOps<DecoderLayerOp>(); }
    auto getMTPLayers() { return getBody().getOps<MTPLayerOp>(); }
    /// The units' moe.placement attributes follow Megatron's pipeline rules.
    ::llvm::LogicalResult verifyPlacements();
  }];
}

def MoE_DecoderLayerOp : MoE_Op<"decoder_layer", [
    NoTerminator, SingleBlock, NoRegionArguments,
    ParentOneOf<["ModelOp", "MTPLayerOp"]>]> {
  let summary = "one transformer block: norms, attention, dense MLP or MoE";
  let description = [{
    Holds `moe.norm`s, exactly one attention op (`moe.attention` or
    `moe.mla_attention`) and either one `moe.mlp` or the MoE sequence
    `moe.router`, `moe.dispatch`, `moe.experts`, `moe.combine`, optionally
    followed by `moe.shared_experts`. `index` is the layer's position in the
    model (0 for the block inside an MTP layer).

    ```mlir
    moe.decoder_layer 3 {
      moe.norm rms
      moe.mla_attention heads = 128, kv_lora = 512, qk_nope = 128, qk_rope = 64, v = 128, q_lora = 1536
      moe.norm rms
      moe.router experts = 256, top_k = 8
      moe.dispatch
      moe.experts count = 256, ffn = 2048, swiglu
      moe.combine
      moe.shared_experts count = 1, ffn = 2048, swiglu
    }
    ```
  }];
  let arguments = (ins MoE_Index:$index);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$index attr-dict-with-keyword $body";
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    /// True when the feed-forward part is routed experts rather than a dense MLP.
    bool isMoE();
    /// The model this layer belongs to (through an MTP layer if nested).
    ModelOp getModel();
  }];
}

def MoE_MTPLayerOp : MoE_Op<"mtp_layer", [
    NoTerminator, SingleBlock, NoRegionArguments, HasParent<"ModelOp">]> {
  let summary = "a multi-token-prediction module (DeepSeek-V3 style)";
  let description = [{
    Predicts one token further ahead: normalizes the previous depth's hidden
    state and the next token's embedding (two `moe.norm`s), projects their
    concatenation from 2·hidden to hidden (`moe.mtp_projection`), runs one
    `moe.decoder_layer` and a final `moe.norm`. The embedding and the LM head
    are shared with the main model.

    ```mlir
    moe.mtp_layer 0 {
      moe.norm rms
      moe.norm rms
      moe.mtp_projection
      moe.decoder_layer 0 { ... }
      moe.norm rms
    }
    ```
  }];
  let arguments = (ins MoE_Index:$index);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$index attr-dict-with-keyword $body";
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    DecoderLayerOp getDecoderLayer();
  }];
}

//===----------------------------------------------------------------------===//
// Model-level ops
//===----------------------------------------------------------------------===//

def MoE_EmbeddingOp : MoE_Op<"embedding", [HasParent<"ModelOp">]> {
  let summary = "token embedding (vocab × hidden), with learned positions if given";
  let description = [{
    Looks up each token's row of the vocab × hidden table. `positions` adds a
    learned absolute position table of that many rows (GPT-2/GPT-3 style);
    without it, positions are rotary and have no parameters.

    ```mlir
    moe.embedding
    moe.embedding positions = 2048
    ```
  }];
  let arguments = (ins OptionalAttr<MoE_Size>:$max_positions);
  let assemblyFormat = "(`positions` `=` $max_positions^)? attr-dict";
}

def MoE_LMHeadOp : MoE_Op<"lm_head", [HasParent<"ModelOp">]> {
  let summary = "output projection hidden → vocab (shared with the embedding when tied)";
  let description = [{
    ```mlir
    moe.lm_head
    ```
  }];
  let assemblyFormat = "attr-dict";
}

def MoE_LossOp : MoE_Op<"loss", [HasParent<"ModelOp">]> {
  let summary = "softmax cross-entropy over the vocabulary";
  let description = [{
    The training loss of the main head and of every MTP layer.

    ```mlir
    moe.loss
    ```
  }];
  let assemblyFormat = "attr-dict";
}

def MoE_NormOp : MoE_Op<"norm", [
    ParentOneOf<["ModelOp", "DecoderLayerOp", "MTPLayerOp"]>]> {
  let summary = "RMSNorm or LayerNorm over the hidden dimension";
  let description = [{
    `rms` has one weight vector, `layer` a weight and a bias. Sandwich
    norms (Pangu's depth-scaled sandwich norm) are simply more `moe.norm`s.

    ```mlir
    moe.norm rms
    moe.norm layer
    ```
  }];
  let arguments = (ins MoE_NormKind:$kind);
  let assemblyFormat = "$kind attr-dict";
}

def MoE_MTPProjectionOp : MoE_Op<"mtp_projection", [HasParent<"MTPLayerOp">]> {
  let summary = "the MTP layer's 2·hidden → hidden projection";
  let description = [{
    ```mlir
    moe.mtp_projection
    ```
  }];
  let assemblyFormat = "attr-dict";
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

def MoE_AttentionOp : MoE_Op<"attention", [HasParent<"DecoderLayerOp">]> {
  let summary = "multi-head or grouped-query self-attention";
  let description = [{
    Causal self-attention with `heads` query heads of size `head_dim` and
    `kv_heads` key/value heads (MHA when equal, GQA when fewer). `qkv_bias`
    adds biases to the Q, K, V projections (and the output projection for
    GPT-2 style models, see `out_bias`); `qk_norm` adds per-head RMSNorms on
    queries and keys (Qwen3).

    ```mlir
    moe.attention heads = 64, kv_heads = 8, head_dim = 128
    moe.attention heads = 40, kv_heads = 8, head_dim = 128 qkv_bias
    ```
  }];
  let arguments = (ins MoE_Size:$num_heads, MoE_Size:$num_kv_heads,
                       MoE_Size:$head_dim, UnitAttr:$qkv_bias,
                       UnitAttr:$out_bias, UnitAttr:$qk_norm);
  let assemblyFormat = [{
    `heads` `=` $num_heads `,` `kv_heads` `=` $num_kv_heads `,`
    `head_dim` `=` $head_dim
    oilist(`qkv_bias` $qkv_bias | `out_bias` $out_bias | `qk_norm` $qk_norm)
    attr-dict
  }];
  let hasVerifier = 1;
}

def MoE_MLAAttentionOp : MoE_Op<"mla_attention", [HasParent<"DecoderLayerOp">]> {
  let summary = "multi-head latent attention (DeepSeek-V2/V3, Pangu Ultra MoE)";
  let description = [{
    Queries are compressed to `q_lora` (absent: projected directly from the
    hidden state), keys and values to `kv_lora`, each latent followed by an
    RMSNorm. Each of the `heads` heads has a `qk_nope`-wide content part, a
    `qk_rope`-wide rotary part (the rotary key is shared by all heads) and a
    `v`-wide value.

    ```mlir
    moe.mla_attention heads = 128, kv_lora = 512, qk_nope = 128, qk_rope = 64, v = 128, q_lora = 1536
    ```
  }];
  let arguments = (ins MoE_Size:$num_heads, OptionalAttr<MoE_Size>:$q_lora_rank,
                       MoE_Size:$kv_lora_rank, MoE_Size:$qk_nope_head_dim,
                       MoE_Size:$qk_rope_head_dim, MoE_Size:$v_head_dim);
  let assemblyFormat = [{
    `heads` `=` $num_heads `,` `kv_lora` `=` $kv_lora_rank `,`
    `qk_nope` `=` $qk_nope_head_dim `,` `qk_rope` `=` $qk_rope_head_dim `,`
    `v` `=` $v_head_dim (`,` `q_lora` `=` $q_lora_rank^)? attr-dict
  }];
}

//===----------------------------------------------------------------------===//
// Feed-forward: dense MLP and Mixture-of-Experts
//===----------------------------------------------------------------------===//

def MoE_MLPOp : MoE_Op<"mlp", [HasParent<"DecoderLayerOp">]> {
  let summary = "dense feed-forward block hidden → ffn → hidden";
  let description = [{
    Gated activations (`swiglu`, `geglu`) use two input projections of width
    `ffn`; the others one. `bias` adds biases (GPT-2 style).

    ```mlir
    moe.mlp ffn = 28672, swiglu
    moe.mlp ffn = 12288, gelu, bias
    ```
  }];
  let arguments = (ins MoE_Size:$ffn_size, MoE_Activation:$activation,
                       UnitAttr:$bias);
  let assemblyFormat = [{
    `ffn` `=` $ffn_size `,` $activation (`,` `bias` $bias^)? attr-dict
  }];
}

def MoE_RouterOp : MoE_Op<"router", [HasParent<"DecoderLayerOp">]> {
  let summary = "top-k gate over the routed experts";
  let description = [{
    A hidden → experts linear gate; each token picks `top_k` experts.

    ```mlir
    moe.router experts = 256, top_k = 8
    ```
  }];
  let arguments = (ins MoE_Size:$num_experts, MoE_Size:$top_k);
  let assemblyFormat = "`experts` `=` $num_experts `,` `top_k` `=` $top_k attr-dict";
  let hasVerifier = 1;
}

def MoE_DispatchOp : MoE_Op<"dispatch", [HasParent<"DecoderLayerOp">]> {
  let summary = "permute tokens to their experts (all-to-all under expert parallelism)";
  let description = [{
    Sends each token's hidden state to its `top_k` experts; the volume follows
    from the layer's router.

    ```mlir
    moe.dispatch
    ```
  }];
  let assemblyFormat = "attr-dict";
}

def MoE_ExpertsOp : MoE_Op<"experts", [HasParent<"DecoderLayerOp">]> {
  let summary = "the routed experts, each a feed-forward block of width ffn";
  let description = [{
    ```mlir
    moe.experts count = 256, ffn = 2048, swiglu
    ```
  }];
  let arguments = (ins MoE_Size:$num_experts, MoE_Size:$ffn_size,
                       MoE_Activation:$activation);
  let assemblyFormat = [{
    `count` `=` $num_experts `,` `ffn` `=` $ffn_size `,` $activation attr-dict
  }];
}

def MoE_CombineOp : MoE_Op<"combine", [HasParent<"DecoderLayerOp">]> {
  let summary = "unpermute expert outputs and sum them with the router weights";
  let description = [{
    The mirror of `moe.dispatch`.

    ```mlir
    moe.combine
    ```
  }];
  let assemblyFormat = "attr-dict";
}

def MoE_SharedExpertsOp : MoE_Op<"shared_experts", [HasParent<"DecoderLayerOp">]> {
  let summary = "experts every token goes through, beside the routed ones";
  let description = [{
    `count` shared experts of width `ffn` each. `gated` adds a sigmoid gate
    (a hidden → 1 linear) on their output (Qwen2-MoE).

    ```mlir
    moe.shared_experts count = 1, ffn = 2048, swiglu
    moe.shared_experts count = 1, ffn = 5632, swiglu, gated
    ```
  }];
  let arguments = (ins MoE_Size:$count, MoE_Size:$ffn_size,
                       MoE_Activation:$activation, UnitAttr:$gated);
  let assemblyFormat = [{
    `count` `=` $count `,` `ffn` `=` $ffn_size `,` $activation
    (`,` `gated` $gated^)? attr-dict
  }];
}

#endif // MOE_OPS_TD
