// RUN: not moe-opt %s --convert-moe-to-ascend="recompute=sometimes" 2>&1 | FileCheck %s --check-prefix=POLICY
// RUN: not moe-opt %s --convert-moe-to-ascend="seq=0" 2>&1 | FileCheck %s --check-prefix=SEQ
// RUN: not moe-opt %s --convert-moe-to-ascend="micro-batches=-2" 2>&1 | FileCheck %s --check-prefix=MICRO

// Bad pass options fail the pass with a message that names the option.
// POLICY: error: unknown recompute policy 'sometimes'; expected none, selective or full
// SEQ: error: option 'seq' must be positive, got 0
// MICRO: error: option 'micro-batches' must be positive, got -2
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
