// RUN: moe-opt %s --moe-select-memory=policy=none | FileCheck %s --check-prefix=NONE
// RUN: moe-opt %s --moe-select-memory=policy=selective | FileCheck %s --check-prefix=SELECTIVE
// RUN: moe-opt %s --moe-select-memory=policy=full | FileCheck %s --check-prefix=FULL
// RUN: not moe-opt %s --moe-select-memory=policy=sometimes 2>&1 | FileCheck %s --check-prefix=POLICY
// RUN: not moe-opt %s --moe-select-memory=policy=auto 2>&1 | FileCheck %s --check-prefix=CLUSTER

// Every op that saves tensors gets a choice for each of them; the choice
// set by hand (the attention's q to host memory) is kept under every policy.

// none: everything stays on the device.
// NONE:      moe.embedding {moe.memory = #moe.memory<token_ids = keep>}
// NONE:      moe.norm rms {moe.memory = #moe.memory<input = keep, rstd = keep>}
// NONE-NEXT: moe.attention {{.*}} {moe.memory = #moe.memory<core_output = keep, kv = keep, q = swap, qkv_input = keep, softmax_lse = keep>}
// NONE:      moe.mlp {{.*}} {moe.memory = #moe.memory<act_input = keep, fc1_input = keep, fc2_input = keep>}
// NONE:      moe.loss {moe.memory = #moe.memory<softmax = keep>}

// selective: only the attention core's statistics are recomputed.
// SELECTIVE:      moe.attention {{.*}} {moe.memory = #moe.memory<core_output = keep, kv = keep, q = swap, qkv_input = keep, softmax_lse = recompute>}
// SELECTIVE-NEXT: moe.norm rms {moe.memory = #moe.memory<input = keep, rstd = keep>}
// SELECTIVE-NEXT: moe.mlp {{.*}} {moe.memory = #moe.memory<act_input = keep, fc1_input = keep, fc2_input = keep>}

// full: the decoder and MTP layers recompute everything; the embedding,
// final norm, head and loss keep theirs. The hand-set swap keeps layer 0
// from being recomputed whole, so it reruns op by op and each op keeps its
// input.
// FULL:      moe.embedding {moe.memory = #moe.memory<token_ids = keep>}
// FULL:      moe.norm rms {moe.memory = #moe.memory<input = keep, rstd = recompute>}
// FULL-NEXT: moe.attention {{.*}} {moe.memory = #moe.memory<core_output = recompute, kv = recompute, q = swap, qkv_input = keep, softmax_lse = recompute>}
// FULL:      moe.mlp {{.*}} {moe.memory = #moe.memory<act_input = recompute, fc1_input = keep, fc2_input = recompute>}
// FULL:      moe.mtp_layer 0 {
// FULL-NEXT:   moe.norm rms {moe.memory = #moe.memory<input = recompute, rstd = recompute>}
// FULL:        moe.mtp_projection {moe.memory = #moe.memory<input = recompute>}
// FULL:      moe.lm_head {moe.memory = #moe.memory<input = keep>}
// FULL-NEXT: moe.loss {moe.memory = #moe.memory<softmax = keep>}

// CLUSTER: error: moe-select-memory policy=auto needs the cluster whose memory it plans for (cluster=PRESET)
// POLICY: error: moe-select-memory: unknown policy 'sometimes'; expected none, selective, full or auto
moe.model @m hidden = 64, vocab = 16 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 2, kv_heads = 2, head_dim = 32 {moe.memory = #moe.memory<q = swap>}
    moe.norm rms
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.mtp_layer 0 {
    moe.norm rms
    moe.norm rms
    moe.mtp_projection
    moe.decoder_layer 0 {
      moe.attention heads = 2, kv_heads = 2, head_dim = 32
      moe.mlp ffn = 64, swiglu
    }
    moe.norm rms
  }
  moe.lm_head
  moe.loss
}
