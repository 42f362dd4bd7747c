// RUN: moe-opt %s --split-input-file --moe-shard="devices=6144 pp=2 seq=4096 global-batch=6144 micro-batch=2" | FileCheck %s

// Decisions set by hand are kept and the options fill only what is open
// (like Shardy's closed dimensions).

// A whole layout written by hand is checked and kept.
// CHECK-LABEL: moe.model @given
// CHECK-SAME: moe.layout = #moe.layout<tp = 2, pp = 2, vpp = 1, ep = 1, etp = 2, cp = 1, dp = 1536, sp = true, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>
moe.model @given hidden = 64, vocab = 10 attributes {moe.layout = #moe.layout<tp = 2, pp = 2, vpp = 1, ep = 1, etp = 2, cp = 1, dp = 1536, sp = true, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.decoder_layer 1 {
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// One field fixed by hand (tp): kept; PP comes from the option, the rest
// from Megatron's defaults (ETP = TP, SP with TP > 1), DP derived.
// CHECK-LABEL: moe.model @partial
// CHECK-SAME: moe.layout = #moe.layout<tp = 2, pp = 2, vpp = 1, ep = 1, etp = 2, cp = 1, dp = 1536, sp = true, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>
moe.model @partial hidden = 64, vocab = 10 attributes {moe.layout = #moe.layout<tp = 2>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.decoder_layer 1 {
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// A training setup written in part: its precision and attention core are
// kept, the sizes come from the options.
// CHECK-LABEL: moe.model @training
// CHECK-SAME: moe.training = #moe.training<seq = 4096, micro_batch = 2, global_batch = 6144, precision = fp8, attention = unfused, routing_skew = 3.000000e-01>
moe.model @training hidden = 64, vocab = 10 attributes {moe.training = #moe.training<precision = fp8, attention = unfused, routing_skew = 0.3>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.decoder_layer 1 {
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}
