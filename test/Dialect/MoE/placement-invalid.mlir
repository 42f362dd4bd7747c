// RUN: moe-opt %s -split-input-file -verify-diagnostics

// A placement that breaks Megatron's pipeline rules is a verifier error
// naming the unit, so no pass moves it silently and the lowering never sees
// it. PP 2 × VPP 2: virtual stage = chunk · 2 + stage.

moe.model @embedding hidden = 64, vocab = 16 attributes {moe.layout = #moe.layout<tp = 1, pp = 2, vpp = 2, ep = 1, etp = 1, cp = 1, dp = 4, sp = false, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>, moe.training = #moe.training<seq = 256, micro_batch = 1, global_batch = 8, precision = bf16, attention = flash>} {
  // expected-error @+1 {{'moe.embedding' op is placed on stage 1, chunk 0 (virtual stage 1), but the embedding opens the first virtual stage}}
  moe.embedding {moe.placement = #moe.placement<stage = 1, chunk = 0>}
  moe.decoder_layer 0 { moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu }
  moe.decoder_layer 1 { moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu }
  moe.decoder_layer 2 { moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu }
  moe.decoder_layer 3 { moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

moe.model @order hidden = 64, vocab = 16 attributes {moe.layout = #moe.layout<tp = 1, pp = 2, vpp = 2, ep = 1, etp = 1, cp = 1, dp = 4, sp = false, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>, moe.training = #moe.training<seq = 256, micro_batch = 1, global_batch = 8, precision = bf16, attention = flash>} {
  moe.embedding
  moe.decoder_layer 0 { moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu }
  moe.decoder_layer 1 attributes {moe.placement = #moe.placement<stage = 0, chunk = 1>} { moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu }
  // expected-error @+1 {{'moe.decoder_layer' op is placed on stage 1, chunk 0 (virtual stage 1), but a unit before it in the pipeline layout's order is placed on virtual stage 2}}
  moe.decoder_layer 2 attributes {moe.placement = #moe.placement<stage = 1, chunk = 0>} { moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu }
  moe.decoder_layer 3 { moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

moe.model @head hidden = 64, vocab = 16 attributes {moe.layout = #moe.layout<tp = 1, pp = 2, vpp = 2, ep = 1, etp = 1, cp = 1, dp = 4, sp = false, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>, moe.training = #moe.training<seq = 256, micro_batch = 1, global_batch = 8, precision = bf16, attention = flash>} {
  moe.embedding
  moe.decoder_layer 0 { moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu }
  moe.decoder_layer 1 { moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu }
  moe.decoder_layer 2 { moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu }
  moe.decoder_layer 3 { moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu }
  moe.norm rms
  // expected-error @+1 {{'moe.lm_head' op is placed on stage 0, chunk 1 (virtual stage 2), but the final norm, head and loss close the last virtual stage (3)}}
  moe.lm_head {moe.placement = #moe.placement<stage = 0, chunk = 1>}
  moe.loss
}

// -----

moe.model @mtp hidden = 64, vocab = 16 attributes {moe.layout = #moe.layout<tp = 1, pp = 2, vpp = 2, ep = 1, etp = 1, cp = 1, dp = 4, sp = false, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>, moe.training = #moe.training<seq = 256, micro_batch = 1, global_batch = 8, precision = bf16, attention = flash>} {
  moe.embedding
  moe.decoder_layer 0 { moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu }
  moe.decoder_layer 1 { moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu }
  moe.decoder_layer 2 { moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu }
  moe.decoder_layer 3 { moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu }
  moe.norm rms
  // expected-error @+1 {{'moe.mtp_layer' op is placed on stage 1, chunk 0 (virtual stage 1), but MTP layers belong to a rank's last chunk (1)}}
  moe.mtp_layer 0 attributes {moe.placement = #moe.placement<stage = 1, chunk = 0>} {
    moe.norm rms
    moe.norm rms
    moe.mtp_projection
    moe.decoder_layer 0 { moe.attention heads = 2, kv_heads = 2, head_dim = 32
      moe.mlp ffn = 64, swiglu }
    moe.norm rms
  }
  moe.lm_head
  moe.loss
}
