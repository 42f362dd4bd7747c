// RUN: not moe-opt %s --convert-moe-to-ascend="recompute=sometimes" 2>&1 | FileCheck %s --check-prefix=POLICY
// RUN: not moe-opt %s --convert-moe-to-ascend="seq=0" 2>&1 | FileCheck %s --check-prefix=SEQ
// RUN: not moe-opt %s --convert-moe-to-ascend="micro-batches=-2" 2>&1 | FileCheck %s --check-prefix=MICRO
// RUN: sed 's/moe.decoder_layer 0 {/moe.decoder_layer 0 attributes {moe.stage = 3 : i64} {/' %s \
// RUN:   | not moe-opt --convert-moe-to-ascend 2>&1 | FileCheck %s --check-prefix=STAGE

// Bad pass options fail the pass with a message that names the option.
// POLICY: error: unknown recompute policy 'sometimes'; expected none, selective or full
// SEQ: error: option 'seq' must be positive, got 0
// MICRO: error: option 'micro-batches' must be positive, got -2
// A placement outside the layout's virtual stages.
// STAGE: error: dense0 is placed on virtual stage 3 but PP x VPP = 1
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
