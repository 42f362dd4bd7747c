// RUN: moe-opt %s -split-input-file -verify-diagnostics --moe-select-memory="policy=auto cluster=a100-40g:1"

// policy=auto prices the stages, so it needs the model's decided layout
// and training setup.
// expected-error @+1 {{moe-select-memory policy=auto needs the model's complete moe.layout and moe.training; run moe-shard first}}
moe.model @undecided hidden = 64, vocab = 16 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}
