//===- MoEDialect.td - the moe dialect: models the planner reasons about --===//
//
// The `moe` dialect describes a decoder-only language model (dense or
// Mixture-of-Experts) at the granularity a training planner decides on.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_DIALECT_TD
#define MOE_DIALECT_TD

include "mlir/IR/OpBase.td"

def MoE_Dialect : Dialect {
  let name = "moe";
  let cppNamespace = "::mlir::moe";
  let summary = "Mixture-of-Experts language models as the training planner sees them";
  let description = [{
    A `moe.model` holds an embedding, decoder layers, multi-token-prediction
    (MTP) layers, a final norm, the LM head and the loss. A decoder layer
    holds its norms, one attention block (`moe.attention` for MHA/GQA,
    `moe.mla_attention` for multi-head latent attention) and either a dense
    `moe.mlp` or the MoE sequence `moe.router`, `moe.dispatch`,
    `moe.experts`, `moe.combine` with optional `moe.shared_experts`.

    Every op carries exactly the sizes needed to derive its parameters, its
    FLOPs and the tensors it saves for backward from the IR alone; the hidden
    size and vocabulary live once, on the model.

    Every planning decision is a discardable attribute the dialect verifies:
    `moe.layout` (`#moe.layout`) and `moe.training` (`#moe.training`) on the
    model, `moe.placement` (`#moe.placement`) on each pipeline unit,
    `moe.memory` (`#moe.memory`) on each op that saves tensors and
    `moe.overlap` (`#moe.overlap`) on each op that communicates. A user may
    set any of them, or any part of one, by hand; the passes fill the rest.

    ```mlir
    moe.model @tiny hidden = 256, vocab = 1024 {
      moe.embedding
      moe.decoder_layer 0 {
        moe.norm rms
        moe.attention heads = 4, kv_heads = 2, head_dim = 64
        moe.norm rms
        moe.mlp ffn = 688, swiglu
      }
      moe.norm rms
      moe.lm_head
      moe.loss
    }
    ```
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasOperationAttrVerify = 1;
}

class MoE_Op<string mnemonic, list<Trait> traits = []>
    : Op<MoE_Dialect, mnemonic, traits>;

#endif // MOE_DIALECT_TD
