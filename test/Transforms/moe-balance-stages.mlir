// RUN: moe-opt %s --moe-balance-stages="layout=Ett|tt|tm|L" | FileCheck %s --check-prefix=GIVEN
// RUN: moe-opt %s --moe-balance-stages="layout=E(tt|)*2,t|mL" | FileCheck %s --check-prefix=REPEAT
// RUN: moe-opt %s --moe-balance-stages="cluster=a100-80g:8" | FileCheck %s --check-prefix=BALANCED
// RUN: sed 's/moe.decoder_layer 3 {/moe.decoder_layer 3 attributes {moe.placement = #moe.placement<stage = 1, chunk = 1>} {/' %s \
// RUN:   | moe-opt --moe-balance-stages="cluster=a100-80g:8" | FileCheck %s --check-prefix=HAND

// A Megatron layout string over PP 2 × VPP 2: segment v is virtual stage v,
// chunk v / 2 of rank v % 2. L takes the final norm, head and loss.
// GIVEN:      moe.embedding {moe.placement = #moe.placement<stage = 0, chunk = 0>}
// GIVEN:      moe.decoder_layer 0 attributes {moe.placement = #moe.placement<stage = 0, chunk = 0>}
// GIVEN:      moe.decoder_layer 1 attributes {moe.placement = #moe.placement<stage = 0, chunk = 0>}
// GIVEN:      moe.decoder_layer 2 attributes {moe.placement = #moe.placement<stage = 1, chunk = 0>}
// GIVEN:      moe.decoder_layer 3 attributes {moe.placement = #moe.placement<stage = 1, chunk = 0>}
// GIVEN:      moe.decoder_layer 4 attributes {moe.placement = #moe.placement<stage = 0, chunk = 1>}
// GIVEN:      moe.norm rms {moe.placement = #moe.placement<stage = 1, chunk = 1>}
// GIVEN:      moe.mtp_layer 0 attributes {moe.placement = #moe.placement<stage = 0, chunk = 1>}
// GIVEN:      moe.lm_head {moe.placement = #moe.placement<stage = 1, chunk = 1>}
// GIVEN:      moe.loss {moe.placement = #moe.placement<stage = 1, chunk = 1>}

// Repeats and cosmetic commas unroll as Megatron's parser does.
// REPEAT:     moe.decoder_layer 3 attributes {moe.placement = #moe.placement<stage = 1, chunk = 0>}
// REPEAT:     moe.decoder_layer 4 attributes {moe.placement = #moe.placement<stage = 0, chunk = 1>}
// REPEAT:     moe.mtp_layer 0 attributes {moe.placement = #moe.placement<stage = 1, chunk = 1>}

// Balanced by the interpreter's prices: the embedding opens the first
// stage, the head and loss close the last, the MTP layer sits in a last
// chunk (virtual stage 2 or 3), and the five layers spread out.
// BALANCED:   moe.embedding {moe.placement = #moe.placement<stage = 0, chunk = 0>}
// BALANCED:   moe.decoder_layer 0 attributes {moe.placement = #moe.placement<stage = 0, chunk = 0>}
// BALANCED:   moe.decoder_layer 4 attributes {moe.placement = #moe.placement<stage = {{[01]}}, chunk = {{[01]}}>}
// BALANCED:   moe.mtp_layer 0 attributes {moe.placement = #moe.placement<stage = {{[01]}}, chunk = 1>}
// BALANCED:   moe.lm_head {moe.placement = #moe.placement<stage = 1, chunk = 1>}
// BALANCED:   moe.loss {moe.placement = #moe.placement<stage = 1, chunk = 1>}

// A placement set by hand is kept (layer 3 on the last virtual stage) and
// the others are split around it: the three layers before it spread over
// the first three virtual stages, the MTP layer stays in a last chunk.
// HAND:       moe.embedding {moe.placement = #moe.placement<stage = 0, chunk = 0>}
// HAND:       moe.decoder_layer 0 attributes {moe.placement = #moe.placement<stage = 0, chunk = 0>}
// HAND:       moe.decoder_layer 1 attributes {moe.placement = #moe.placement<stage = 1, chunk = 0>}
// HAND:       moe.decoder_layer 2 attributes {moe.placement = #moe.placement<stage = 0, chunk = 1>}
// HAND:       moe.decoder_layer 3 attributes {moe.placement = #moe.placement<stage = 1, chunk = 1>}
// HAND:       moe.decoder_layer 4 attributes {moe.placement = #moe.placement<stage = 1, chunk = 1>}
// HAND:       moe.mtp_layer 0 attributes {moe.placement = #moe.placement<stage = 1, chunk = 1>}
// HAND:       moe.loss {moe.placement = #moe.placement<stage = 1, chunk = 1>}
moe.model @m hidden = 512, vocab = 32000 attributes {moe.layout = #moe.layout<tp = 1, pp = 2, vpp = 2, ep = 1, etp = 1, cp = 1, dp = 4, sp = false, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>, moe.training = #moe.training<seq = 1024, micro_batch = 1, global_batch = 8, precision = bf16, attention = flash>} {
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
