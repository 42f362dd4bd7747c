// RUN: moe-opt %s --moe-shard="cluster=a100-40g:1 seq=16384 global-batch=1 micro-batch=1" \
// RUN:   --moe-select-memory="policy=auto cluster=a100-40g:1" | FileCheck %s --check-prefix=KEEP
// RUN: moe-opt %s --moe-shard="cluster=a100-40g:1 seq=73728 global-batch=1 micro-batch=1" \
// RUN:   --moe-select-memory="policy=auto cluster=a100-40g:1" | FileCheck %s --check-prefix=RECOMPUTE
// RUN: moe-opt %s --moe-shard="cluster=a100-40g:1 seq=73728 global-batch=1 micro-batch=1" \
// RUN:   --moe-select-memory="policy=auto cluster=a100-40g:1 swap" | FileCheck %s --check-prefix=SWAP
// RUN: sed '0,/moe.mlp ffn = 14336, swiglu$/s//moe.mlp ffn = 14336, swiglu {moe.memory = #moe.memory<act_input = keep, fc2_input = keep>}/' %s \
// RUN:   | moe-opt --moe-shard="cluster=a100-40g:1 seq=73728 global-batch=1 micro-batch=1" \
// RUN:     --moe-select-memory="policy=auto cluster=a100-40g:1" | FileCheck %s --check-prefix=HAND

// policy=auto on one A100-40GB, two Llama-3-8B-sized layers.

// At 16K tokens everything fits: everything is kept.
// KEEP-NOT:  recompute
// KEEP-NOT:  swap
// KEEP:      moe.loss {moe.memory = #moe.memory<softmax = keep>}

// At 72K tokens it does not: the cheapest saving per second is the MLPs'
// activations (the fc1 output and the activation's output, rerun from the
// kept input); the attention is kept, and so is the loss's softmax, which
// no runtime recomputes.
// RECOMPUTE:      moe.decoder_layer 0 {
// RECOMPUTE:        moe.attention {{.*}}#moe.memory<core_output = keep, kv = keep, q = keep, qkv_input = keep, softmax_lse = keep>
// RECOMPUTE:        moe.mlp {{.*}}#moe.memory<act_input = recompute, fc1_input = keep, fc2_input = recompute>
// RECOMPUTE:      moe.decoder_layer 1 {
// RECOMPUTE:        moe.mlp {{.*}}#moe.memory<act_input = recompute, fc1_input = keep, fc2_input = recompute>
// RECOMPUTE:      moe.loss {moe.memory = #moe.memory<softmax = keep>}

// With swap allowed, a swap the host link hides costs nothing, but with one
// micro-batch in flight it saves little: the tensor is back on the device
// for the unit's backward, with the next unit's prefetched. Layer 1's MLP
// activation goes to host memory; layer 0 is recomputed whole.
// SWAP:      moe.decoder_layer 0 {
// SWAP:        moe.mlp {{.*}}#moe.memory<act_input = recompute, fc1_input = recompute, fc2_input = recompute>
// SWAP:      moe.decoder_layer 1 {
// SWAP:        moe.attention {{.*}}#moe.memory<core_output = keep, kv = keep, q = keep, qkv_input = keep, softmax_lse = keep>
// SWAP:        moe.mlp {{.*}}#moe.memory<act_input = swap, fc1_input = keep, fc2_input = keep>
// SWAP:      moe.loss {moe.memory = #moe.memory<softmax = keep>}

// A choice set by hand (layer 0's MLP keeps its activations) is kept; the
// pass saves elsewhere: layer 0's attention and norms rerun, layer 1 is
// recomputed whole.
// HAND:      moe.decoder_layer 0 {
// HAND:        moe.attention {{.*}}#moe.memory<core_output = recompute, kv = recompute, q = recompute, qkv_input = keep, softmax_lse = recompute>
// HAND:        moe.mlp {{.*}}#moe.memory<act_input = keep, fc1_input = keep, fc2_input = keep>
// HAND:      moe.decoder_layer 1 {
// HAND-NEXT:   moe.norm rms {moe.memory = #moe.memory<input = recompute, rstd = recompute>}
// HAND:        moe.mlp {{.*}}#moe.memory<act_input = recompute, fc1_input = recompute, fc2_input = recompute>
// HAND:      moe.loss {moe.memory = #moe.memory<softmax = keep>}
moe.model @m hidden = 4096, vocab = 32000 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 32, kv_heads = 8, head_dim = 128
    moe.norm rms
    moe.mlp ffn = 14336, swiglu
  }
  moe.decoder_layer 1 {
    moe.norm rms
    moe.attention heads = 32, kv_heads = 8, head_dim = 128
    moe.norm rms
    moe.mlp ffn = 14336, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}
