// RUN: moe-opt %s --moe-balance-stages="layout=Ett|tt|tm|L" | FileCheck %s --check-prefix=GIVEN
// RUN: moe-opt %s --moe-balance-stages="layout=E(tt|)*2,t|mL" | FileCheck %s --check-prefix=REPEAT
// RUN: moe-opt %s --moe-balance-stages="cluster=a100-80g:8 seq=1024" | FileCheck %s --check-prefix=BALANCED

// A Megatron layout string over PP 2 × VPP 2: segment v is virtual stage v
// (chunk v / 2 of rank v % 2). L takes the final norm, head and loss.
// GIVEN:      moe.embedding {moe.stage = 0 : i64}
// GIVEN:      moe.decoder_layer 0 attributes {moe.stage = 0 : i64}
// GIVEN:      moe.decoder_layer 1 attributes {moe.stage = 0 : i64}
// GIVEN:      moe.decoder_layer 2 attributes {moe.stage = 1 : i64}
// GIVEN:      moe.decoder_layer 3 attributes {moe.stage = 1 : i64}
// GIVEN:      moe.decoder_layer 4 attributes {moe.stage = 2 : i64}
// GIVEN:      moe.norm rms {moe.stage = 3 : i64}
// GIVEN:      moe.mtp_layer 0 attributes {moe.stage = 2 : i64}
// GIVEN:      moe.lm_head {moe.stage = 3 : i64}
// GIVEN:      moe.loss {moe.stage = 3 : i64}

// Repeats and cosmetic commas unroll as Megatron's parser does.
// REPEAT:     moe.decoder_layer 3 attributes {moe.stage = 1 : i64}
// REPEAT:     moe.decoder_layer 4 attributes {moe.stage = 2 : i64}
// REPEAT:     moe.mtp_layer 0 attributes {moe.stage = 3 : i64}

// Balanced by the interpreter's prices: the embedding opens the first
// stage, the head and loss close the last, the MTP layer sits in a last
// chunk (virtual stage 2 or 3), and the five layers spread out.
// BALANCED:   moe.embedding {moe.stage = 0 : i64}
// BALANCED:   moe.decoder_layer 0 attributes {moe.stage = 0 : i64}
// BALANCED:   moe.decoder_layer 4 attributes {moe.stage = {{[12]}} : i64}
// BALANCED:   moe.mtp_layer 0 attributes {moe.stage = {{[23]}} : i64}
// BALANCED:   moe.lm_head {moe.stage = 3 : i64}
// BALANCED:   moe.loss {moe.stage = 3 : i64}
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
