// RUN: moe-opt %s --convert-moe-to-ascend="dp=8" | FileCheck %s --check-prefix=DDP
// RUN: moe-opt %s --convert-moe-to-ascend="dp=8 distributed-optimizer" | FileCheck %s --check-prefix=ZERO1

// With data parallelism the optimizer step first reduces the bf16
// gradients over grid axis 0 on the dp stream; the compute stream waits.
// P = 2·1000·128 + 128·(128 + 2·128) + 128·128 + 3·128·256 + 128 = 419,968 parameters.
// DDP:        shard.grid @world(shape = 8)
// DDP:        ascend.stage_memory stage = 0, weights = 839936, grads = 1679872, optimizer = 5039616
// DDP-LABEL:  ascend.program stage = 0, chunk = 0, optimizer {
// DDP-NEXT:     ascend.all_reduce "grads.all_reduce" on @world grid_axes = [0] bytes = 839936 stream(dp)
// DDP-NEXT:     ascend.record "grads.reduced" stream(dp)
// DDP-NEXT:     ascend.wait "grads.reduced"
// DDP-NEXT:     ascend.vector "optimizer.grad_norm" flops = 839936
// DDP-NEXT:     ascend.vector "optimizer.adam"
// DDP-NEXT:   }

// The distributed optimizer (ZeRO-1) keeps 1/8 of the fp32 state, reduce-
// scatters the gradients, updates its shard and all-gathers the weights.
// ZERO1:       ascend.stage_memory stage = 0, weights = 839936, grads = 1679872, optimizer = 629952
// ZERO1-LABEL: ascend.program stage = 0, chunk = 0, optimizer {
// ZERO1-NEXT:    ascend.reduce_scatter "grads.reduce_scatter" on @world grid_axes = [0] bytes = 839936 stream(dp)
// ZERO1-NEXT:    ascend.record "grads.reduced" stream(dp)
// ZERO1-NEXT:    ascend.wait "grads.reduced"
// ZERO1-NEXT:    ascend.vector "optimizer.grad_norm" flops = 104992
// ZERO1-NEXT:    ascend.vector "optimizer.adam"
// ZERO1-NEXT:    ascend.record "weights.updated"
// ZERO1-NEXT:    ascend.wait "weights.updated" stream(dp)
// ZERO1-NEXT:    ascend.all_gather "weights.all_gather" on @world grid_axes = [0] bytes = 839936 stream(dp)
moe.model @dense hidden = 128, vocab = 1000 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 2, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 256, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}
