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

// At 72K tokens it does not: the cheapest saving per second is the MLP's
// activation (its fc1 output and the activation's output, rerun from the
// kept input) and the loss's softmax; the attention is kept.
// RECOMPUTE:      moe.decoder_layer 0 {
// RECOMPUTE:        moe.attention {{.*}}#moe.memory<core_output = keep, kv = keep, q = keep, qkv_input = keep, softmax_lse = keep>
// RECOMPUTE:        moe.mlp {{.*}}#moe.memory<act_input = recompute, fc1_input = keep, fc2_input = recompute>
// RECOMPUTE:      moe.decoder_layer 1 {
// RECOMPUTE:        moe.mlp {{.*}}#moe.memory<act_input = keep, fc1_input = keep, fc2_input = keep>
// RECOMPUTE:      moe.loss {moe.memory = #moe.memory<softmax = recompute>}

// With swap allowed, the host link hides the transfers under the stage's
// compute, so swapping costs nothing and replaces the recompute; of equal
// prices the largest tensors go first.
// SWAP-NOT:  recompute
// SWAP:      moe.mlp {{.*}}#moe.memory<act_input = swap, fc1_input = keep, fc2_input = keep>
// SWAP:      moe.loss {moe.memory = #moe.memory<softmax = swap>}

// A choice set by hand (layer 0's MLP keeps its activations) is kept, and
// the pass recomputes layer 1's instead.
// HAND:      moe.decoder_layer 0 {
// HAND:        moe.mlp {{.*}}#moe.memory<act_input = keep, fc1_input = keep, fc2_input = keep>
// HAND:      moe.decoder_layer 1 {
// HAND:        moe.mlp {{.*}}#moe.memory<act_input = recompute, fc1_input = keep, fc2_input = recompute>
// HAND:      moe.loss {moe.memory = #moe.memory<softmax = recompute>}
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
