// RUN: moe-opt %s -split-input-file -verify-diagnostics --moe-plan-pipeline="cluster=a100-80g:8 seq=1024 global-batch=8 micro-batch=1 pp=2"

// A decision set by hand that cannot work stops the pipeline with an error
// naming it.

// The layout fixes TP 4, which the 6 heads do not divide.
// expected-error @+1 {{attention heads (6) are not divisible by --tp=4; use a TP that divides 6: 1, 2, 3, 6}}
moe.model @tp hidden = 64, vocab = 16 attributes {moe.layout = #moe.layout<tp = 4>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 6, kv_heads = 6, head_dim = 8
    moe.mlp ffn = 64, swiglu
  }
  moe.decoder_layer 1 {
    moe.attention heads = 6, kv_heads = 6, head_dim = 8
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// A placement on a pipeline stage the pipeline does not have.
moe.model @placement hidden = 64, vocab = 16 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 8, kv_heads = 8, head_dim = 8
    moe.mlp ffn = 64, swiglu
  }
  // expected-error @+1 {{'moe.decoder_layer' op is placed on pipeline stage 3 but the layout has pp = 2}}
  moe.decoder_layer 1 attributes {moe.placement = #moe.placement<stage = 3, chunk = 0>} {
    moe.attention heads = 8, kv_heads = 8, head_dim = 8
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}
