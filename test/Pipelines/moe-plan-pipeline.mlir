// RUN: moe-opt %s --moe-plan-pipeline="cluster=a100-80g:8 seq=1024 global-batch=8 micro-batch=1 pp=2 recompute=selective" \
// RUN:   -mlir-print-ir-before=convert-moe-to-ascend 2>&1 | FileCheck %s --check-prefix=DECIDED
// RUN: moe-opt %s --moe-plan-pipeline="cluster=a100-80g:8 seq=1024 global-batch=8 micro-batch=1 pp=2 recompute=selective" \
// RUN:   | FileCheck %s --check-prefix=PLAN

// Three decisions set by hand, a layout field (TP 2), a placement (layer 1
// on the first stage) and a memory choice (attention's q to host memory),
// survive the whole pipeline; the passes fill the rest.

// DECIDED: IR Dump Before ConvertMoEToAscendPass
// DECIDED: moe.model @m {{.*}}moe.layout = #moe.layout<tp = 2, pp = 2, vpp = 1, ep = 1, etp = 2, cp = 1, dp = 2, sp = true, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>, moe.training = #moe.training<seq = 1024, micro_batch = 1, global_batch = 8, precision = bf16, attention = flash>
// DECIDED: moe.embedding {{{.*}}moe.placement = #moe.placement<stage = 0, chunk = 0>}
// DECIDED: moe.decoder_layer 0 attributes {moe.placement = #moe.placement<stage = 0, chunk = 0>}
// DECIDED:   moe.attention {{.*}}moe.memory = #moe.memory<core_output = keep, kv = keep, q = swap, qkv_input = keep, softmax_lse = recompute>, moe.overlap = #moe.overlap<qkv_proj.input_gather = blocking, sp_gather = blocking, sp_scatter = blocking>}
// DECIDED: moe.decoder_layer 1 attributes {moe.placement = #moe.placement<stage = 0, chunk = 0>}
// DECIDED:   moe.attention {{.*}}moe.memory = #moe.memory<core_output = keep, kv = keep, q = keep, qkv_input = keep, softmax_lse = recompute>
// DECIDED: moe.decoder_layer 2 attributes {moe.placement = #moe.placement<stage = 1, chunk = 0>}
// DECIDED: moe.decoder_layer 3 attributes {moe.placement = #moe.placement<stage = 1, chunk = 0>}
// DECIDED: moe.loss {{{.*}}moe.placement = #moe.placement<stage = 1, chunk = 0>}

// The plan runs them: TP 2 on the attention grid, layers 0 and 1 on stage 0,
// the swap on the host stream (fetched back while layer 1's backward runs),
// the selective recompute of the core.
// PLAN:      shard.grid @attention(shape = 2x2x1x2)
// PLAN:      ascend.program stage = 0, chunk = 0, forward {
// PLAN:      ascend.swap_out "dense0.attention.q"
// PLAN:      ascend.cube "dense1.attention.qkv_proj"
// PLAN-NOT:  ascend.cube "dense2
// PLAN:      ascend.program stage = 0, chunk = 0, backward {
// PLAN:      ascend.swap_in "dense0.attention.q"
// PLAN:      ascend.recompute "dense1.attention"
// PLAN:      ascend.recompute "dense0.attention"
moe.model @m hidden = 256, vocab = 1024 attributes {moe.layout = #moe.layout<tp = 2>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 4, kv_heads = 2, head_dim = 64 {moe.memory = #moe.memory<q = swap>}
    moe.norm rms
    moe.mlp ffn = 1024, swiglu
  }
  moe.decoder_layer 1 attributes {moe.placement = #moe.placement<stage = 0, chunk = 0>} {
    moe.norm rms
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    moe.norm rms
    moe.mlp ffn = 1024, swiglu
  }
  moe.decoder_layer 2 {
    moe.norm rms
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    moe.norm rms
    moe.mlp ffn = 1024, swiglu
  }
  moe.decoder_layer 3 {
    moe.norm rms
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    moe.norm rms
    moe.mlp ffn = 1024, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}
