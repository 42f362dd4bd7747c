// RUN: not moe-opt %s --moe-balance-stages="layout=Et|tx|tm|L" 2>&1 | FileCheck %s --check-prefix=CHAR
// RUN: not moe-opt %s --moe-balance-stages="layout=Ett|tt|tmL" 2>&1 | FileCheck %s --check-prefix=COUNT
// RUN: not moe-opt %s --moe-balance-stages="layout=Ett|tt|t|mL|L" 2>&1 | FileCheck %s --check-prefix=STAGES
// RUN: not moe-opt %s --moe-balance-stages="layout=tEt|tt|tm|L" 2>&1 | FileCheck %s --check-prefix=ORDER
// RUN: not moe-opt %s --moe-balance-stages="layout=Ett|tttm||L" 2>&1 | FileCheck %s --check-prefix=MTP
// RUN: not moe-opt %s --moe-balance-stages 2>&1 | FileCheck %s --check-prefix=CLUSTER
// RUN: not moe-opt %s --moe-balance-stages="cluster=tpu" 2>&1 | FileCheck %s --check-prefix=PRESET
// RUN: sed 's/ attributes {moe.layout = [^}]*}//' %s | not moe-opt --moe-balance-stages="layout=EtttttmL" 2>&1 | FileCheck %s --check-prefix=NOLAYOUT
// RUN: sed 's/moe.decoder_layer 2 {/moe.decoder_layer 2 attributes {moe.placement = #moe.placement<stage = 0, chunk = 1>} {/' %s \
// RUN:   | not moe-opt --moe-balance-stages="layout=Ett|tt|tm|L" 2>&1 | FileCheck %s --check-prefix=HAND
// RUN: not moe-opt %s --moe-balance-stages="cluster=a100-80g:8" 2>&1 | FileCheck %s --check-prefix=TRAINING
// A hand-written layout with more stages than units (it once allocated until
// out of memory).
// RUN: sed 's/pp = 2, vpp = 2/pp = 2147483647, vpp = 2/' %s | not moe-opt --moe-balance-stages="cluster=a100-80g:8" 2>&1 | FileCheck %s --check-prefix=UNFILLED
// Without the verifier (a search runs so) the pass still checks hand-set
// placements before indexing stages by them; it once crashed here.
// RUN: sed 's/moe.decoder_layer 2 {/moe.decoder_layer 2 attributes {moe.placement = #moe.placement<stage = 7, chunk = 0>} {/' %s \
// RUN:   | not moe-opt --mlir-very-unsafe-disable-verifier-on-parsing --verify-each=false --moe-balance-stages="cluster=a100-80g:8" 2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: not moe-opt %s --moe-balance-stages="layout=|Ett|tt|tmL" 2>&1 | FileCheck %s --check-prefix=EMPTYFIRST
// RUN: not moe-opt %s --moe-balance-stages="layout=Ett|tt|tmL|" 2>&1 | FileCheck %s --check-prefix=EMPTYLAST
// RUN: not moe-opt %s --moe-balance-stages="layout=t*99999999999" 2>&1 | FileCheck %s --check-prefix=HUGE
// RUN: not moe-opt %s --moe-balance-stages="layout=(t*1000)*100000" 2>&1 | FileCheck %s --check-prefix=NESTED
// RUN: sed 's/ attributes {moe.layout = #moe.layout<\([^>]*\)>}/ attributes {moe.layout = #moe.layout<\1>, moe.training = #moe.training<seq = 1024, micro_batch = 1, global_batch = 32, precision = fp8, attention = flash>}/' %s \
// RUN:   | not moe-opt --moe-balance-stages="cluster=a100-80g:8" 2>&1 | FileCheck %s --check-prefix=FP8

// Every way a layout string or the pass's options can be wrong names the
// problem and what the model needs.
// CHAR: error: pipeline layout 'Et|tx|tm|L' has 'x'; use E (embedding), t (decoder layer), m (MTP layer), L (final norm, head and loss), | between stages, (...)*N
// COUNT: error: pipeline layout 'Ett|tt|tmL' has 3 stages but PP x VPP = 2 x 2 = 4
// STAGES: error: pipeline layout 'Ett|tt|t|mL|L' has 5 stages but PP x VPP = 2 x 2 = 4
// ORDER: error: pipeline layout 'tEt|tt|tm|L' places 1 embedding, 5 decoder layers, 1 MTP layers and 1 loss, in that order; the model needs E first, 5 t, 1 m and L last
// MTP: error: pipeline layout 'Ett|tttm||L' puts mtp0 in chunk 0; MTP layers belong to a rank's last chunk (1)
// CLUSTER: error: moe-balance-stages needs a cluster to price the stages (cluster=PRESET), or a layout to honour
// PRESET: error: unknown cluster preset 'tpu'
// NOLAYOUT: error: moe-balance-stages needs the model's complete moe.layout; run moe-shard first
// HAND: error: 'moe.decoder_layer' op is placed by hand on virtual stage 2 but pipeline layout 'Ett|tt|tm|L' puts it on 1
// EMPTYFIRST: error: pipeline layout '|Ett|tt|tmL' puts the embedding on virtual stage 1; it opens the first (0)
// EMPTYLAST: error: pipeline layout 'Ett|tt|tmL|' puts the loss on virtual stage 2; it closes the last (3)
// HUGE: error: pipeline layout repeats 't' 99999999999 times; a layout unrolls to at most 1048576 characters
// NESTED: error: pipeline layout repeats 't' 1000 times; a layout unrolls to at most 1048576 characters
// FP8: error: precision fp8: NVIDIA A100 SXM 80GB has no FP8 matrix path (the preset's device.cube_flops_fp8 is 0); use bf16 (--precision=bf16)
// RANGE: error: 'moe.decoder_layer' op is placed on stage 7, chunk 0 (virtual stage 7), but the layout has 2 pipeline stages of 2 chunks each
// UNFILLED: error: PP x VPP = 2147483647 x 2 pipeline stages cannot be filled by the model's 8 pipeline units (embedding, layers, MTP layers, loss; each stage needs one)
// TRAINING: error: moe-balance-stages needs the model's complete moe.training to price the stages; run moe-shard first
moe.model @m hidden = 512, vocab = 32000 attributes {moe.layout = #moe.layout<tp = 1, pp = 2, vpp = 2, ep = 1, etp = 1, cp = 1, dp = 4, sp = false, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 8, kv_heads = 8, head_dim = 64
    moe.mlp ffn = 2048, swiglu
  }
  moe.decoder_layer 1 {
    moe.attention heads = 8, kv_heads = 8, head_dim = 64
    moe.mlp ffn = 2048, swiglu
  }
  moe.decoder_layer 2 {
    moe.attention heads = 8, kv_heads = 8, head_dim = 64
    moe.mlp ffn = 2048, swiglu
  }
  moe.decoder_layer 3 {
    moe.attention heads = 8, kv_heads = 8, head_dim = 64
    moe.mlp ffn = 2048, swiglu
  }
  moe.decoder_layer 4 {
    moe.attention heads = 8, kv_heads = 8, head_dim = 64
    moe.mlp ffn = 2048, swiglu
  }
  moe.norm rms
  moe.mtp_layer 0 {
    moe.norm rms
    moe.norm rms
    moe.mtp_projection
    moe.decoder_layer 0 {
      moe.attention heads = 8, kv_heads = 8, head_dim = 64
      moe.mlp ffn = 2048, swiglu
    }
    moe.norm rms
  }
  moe.lm_head
  moe.loss
}
