// RUN: moe-opt %s -split-input-file -verify-diagnostics --moe-plan-overlap=policy=fb

// A hand-set choice against the policy cannot run: forward/backward overlap
// pairs whole micro-batches.
moe.model @mixed hidden = 64, vocab = 16 attributes {moe.layout = #moe.layout<tp = 1, pp = 1, vpp = 1, ep = 4, etp = 1, cp = 1, dp = 4, sp = false, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>, moe.training = #moe.training<seq = 256, micro_batch = 1, global_batch = 8, precision = bf16, attention = flash>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.router experts = 8, top_k = 2
    // expected-error @+1 {{'moe.dispatch' op sets 'all_to_all' by hand to the opposite of policy 'fb'; forward/backward overlap pairs whole micro-batches, so every communication of a model hides under it or none does}}
    moe.dispatch {moe.overlap = #moe.overlap<all_to_all = blocking>}
    moe.experts count = 8, ffn = 64, swiglu
    moe.combine
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// Which communications an op has depends on the layout.
// expected-error @+1 {{moe-plan-overlap needs the model's complete moe.layout and moe.training; run moe-shard first}}
moe.model @open hidden = 64, vocab = 16 attributes {moe.layout = #moe.layout<tp = 2>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}
