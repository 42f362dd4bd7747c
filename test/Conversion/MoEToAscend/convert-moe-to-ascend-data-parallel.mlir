// RUN: moe-opt %s --convert-moe-to-ascend | FileCheck %s --check-prefix=DDP
// RUN: sed 's/distributed_optimizer = false/distributed_optimizer = true/' %s \
// RUN:   | moe-opt --convert-moe-to-ascend | FileCheck %s --check-prefix=ZERO1

// Data parallelism: each unit's bf16 gradients are reduced over the DP x CP
// axes of the attention grid on the dp stream, once its backward has run in
// the step's last micro-batch, under the backward of the units before it.
// Parameters: embedding and head 1000·128, the layer 128·(128 + 2·128) +
// 128·128 + 3·128·256 = 163,840, the final norm 128: 419,968 in all.
// DDP:        shard.grid @attention(shape = 1x8x1x1)
// DDP:        ascend.stage_memory stage = 0, weights = 839936, grads = 1679872, optimizer = 5039616
// DDP-LABEL:  ascend.program stage = 0, chunk = 0, forward {
// DDP-NOT:      stream(dp)
// DDP-LABEL:  ascend.program stage = 0, chunk = 0, backward {
// DDP:          ascend.cube "lm_head.wgrad"
// DDP:          ascend.record "lm_head.grads"
// DDP-NEXT:     ascend.wait "lm_head.grads" stream(dp)
// DDP-NEXT:     ascend.all_reduce "lm_head.grads.reduce" on @attention grid_axes = [1, 2] bytes = 256000 stream(dp) only last
// DDP:          ascend.all_reduce "final_norm.grads.reduce" on @attention grid_axes = [1, 2] bytes = 256 stream(dp) only last
// DDP:          ascend.all_reduce "dense0.grads.reduce" on @attention grid_axes = [1, 2] bytes = 327680 stream(dp) only last
// DDP:          ascend.all_reduce "embedding.grads.reduce" on @attention grid_axes = [1, 2] bytes = 256000 stream(dp) only last
// DDP-LABEL:  ascend.program stage = 0, chunk = 0, optimizer {
// DDP-NEXT:     ascend.vector "optimizer.grad_norm" flops = 839936
// DDP-NEXT:     ascend.vector "optimizer.adam"
// DDP-NEXT:   }

// The distributed optimizer (ZeRO-1) keeps 1/8 of the fp32 state and
// updates that shard; gradients are reduce-scattered, and each unit's
// weights are gathered under the previous unit's forward in the step's first
// micro-batch.
// ZERO1:       ascend.stage_memory stage = 0, weights = 839936, grads = 1679872, optimizer = 629952
// ZERO1-LABEL: ascend.program stage = 0, chunk = 0, forward {
// ZERO1-NEXT:    ascend.all_gather "embedding.weights.gather" on @attention grid_axes = [1, 2] bytes = 256000 stream(dp) only first
// ZERO1-NEXT:    ascend.record "embedding.weights" stream(dp)
// ZERO1-NEXT:    ascend.wait "embedding.weights"
// ZERO1-NEXT:    ascend.vector "embedding.lookup"
// ZERO1:         ascend.all_gather "dense0.weights.gather" on @attention grid_axes = [1, 2] bytes = 327680 stream(dp) only first
// ZERO1-LABEL: ascend.program stage = 0, chunk = 0, backward {
// ZERO1:         ascend.reduce_scatter "dense0.grads.reduce" on @attention grid_axes = [1, 2] bytes = 327680 stream(dp) only last
// ZERO1-LABEL: ascend.program stage = 0, chunk = 0, optimizer {
// ZERO1-NEXT:    ascend.vector "optimizer.grad_norm" flops = 104992
moe.model @dense hidden = 128, vocab = 1000 attributes {moe.layout = #moe.layout<tp = 1, pp = 1, vpp = 1, ep = 1, etp = 1, cp = 1, dp = 8, sp = false, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>, moe.training = #moe.training<seq = 4096, micro_batch = 1, global_batch = 8, precision = bf16, attention = flash>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 2, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 256, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}
