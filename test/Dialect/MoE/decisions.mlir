// RUN: moe-opt %s | moe-opt | FileCheck %s
// RUN: moe-opt %s --mlir-print-op-generic | moe-opt | FileCheck %s

// A fully decided model, every decision attribute set, survives a round
// trip through the custom and the generic syntax; a partial layout and a
// partial training setup keep exactly the fields they give.

// CHECK-LABEL: moe.model @decided hidden = 256, vocab = 1024 attributes {
// CHECK-SAME: moe.layout = #moe.layout<tp = 2, pp = 2, vpp = 1, ep = 2, etp = 1, cp = 1, dp = 2, sp = true, tp_extend_ep = true, hierarchical_a2a = false, distributed_optimizer = true>
// CHECK-SAME: moe.training = #moe.training<seq = 4096, micro_batch = 2, global_batch = 64, precision = fp8, attention = flash, routing_skew = 2.500000e-01>
// CHECK-NEXT: moe.embedding {moe.memory = #moe.memory<token_ids = keep>, moe.overlap = #moe.overlap<sp_scatter = blocking>, moe.placement = #moe.placement<stage = 0, chunk = 0>}
// CHECK-NEXT: moe.decoder_layer 0 attributes {moe.placement = #moe.placement<stage = 0, chunk = 0>} {
// CHECK-NEXT:   moe.norm rms {moe.memory = #moe.memory<input = recompute, rstd = recompute>}
// CHECK-NEXT:   moe.attention heads = 4, kv_heads = 2, head_dim = 64 {moe.memory = #moe.memory<core_output = keep, kv = swap, q = keep, qkv_input = keep, softmax_lse = recompute>, moe.overlap = #moe.overlap<qkv_proj.input_gather = fb, sp_gather = fb, sp_scatter = fb>}
// CHECK:        moe.dispatch {moe.memory = #moe.memory<permuted_probs = keep>, moe.overlap = #moe.overlap<all_to_all = fb>}
// CHECK:      moe.decoder_layer 1 attributes {moe.placement = #moe.placement<stage = 1, chunk = 0>} {
// CHECK:      moe.loss {moe.placement = #moe.placement<stage = 1, chunk = 0>}
moe.model @decided hidden = 256, vocab = 1024 attributes {
    moe.layout = #moe.layout<tp = 2, pp = 2, vpp = 1, ep = 2, etp = 1, cp = 1, dp = 2, sp = true, tp_extend_ep = true, hierarchical_a2a = false, distributed_optimizer = true>,
    moe.training = #moe.training<seq = 4096, micro_batch = 2, global_batch = 64, precision = fp8, attention = flash, routing_skew = 0.25>} {
  moe.embedding {moe.placement = #moe.placement<stage = 0, chunk = 0>, moe.memory = #moe.memory<token_ids = keep>, moe.overlap = #moe.overlap<sp_scatter = blocking>}
  moe.decoder_layer 0 attributes {moe.placement = #moe.placement<stage = 0, chunk = 0>} {
    moe.norm rms {moe.memory = #moe.memory<input = recompute, rstd = recompute>}
    moe.attention heads = 4, kv_heads = 2, head_dim = 64 {moe.memory = #moe.memory<q = keep, kv = swap, core_output = keep, qkv_input = keep, softmax_lse = recompute>, moe.overlap = #moe.overlap<sp_gather = fb, qkv_proj.input_gather = fb, sp_scatter = fb>}
    moe.norm rms
    moe.router experts = 4, top_k = 2
    moe.dispatch {moe.memory = #moe.memory<permuted_probs = keep>, moe.overlap = #moe.overlap<all_to_all = fb>}
    moe.experts count = 4, ffn = 128, swiglu
    moe.combine
  }
  moe.decoder_layer 1 attributes {moe.placement = #moe.placement<stage = 1, chunk = 0>} {
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 512, swiglu
  }
  moe.norm rms {moe.placement = #moe.placement<stage = 1, chunk = 0>}
  moe.lm_head {moe.placement = #moe.placement<stage = 1, chunk = 0>}
  moe.loss {moe.placement = #moe.placement<stage = 1, chunk = 0>}
}

// A routing skew survives the round trip exactly.
// CHECK-LABEL: moe.model @skew hidden = 256, vocab = 1024 attributes {
// CHECK-SAME: routing_skew = 0.1234567>
moe.model @skew hidden = 256, vocab = 1024 attributes {moe.training = #moe.training<routing_skew = 0.1234567>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 512, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// CHECK-LABEL: moe.model @partial hidden = 256, vocab = 1024 attributes {
// CHECK-SAME: moe.layout = #moe.layout<tp = 2, ep = 4, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>
// CHECK-SAME: moe.training = #moe.training<seq = 2048, precision = bf16, attention = unfused>
moe.model @partial hidden = 256, vocab = 1024 attributes {moe.layout = #moe.layout<ep = 4, tp = 2>, moe.training = #moe.training<attention = unfused, seq = 2048>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 512, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}
