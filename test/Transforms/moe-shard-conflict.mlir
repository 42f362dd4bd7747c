// RUN: moe-opt %s -split-input-file -verify-diagnostics --moe-shard="cluster=a100-80g:64 tp=8 seq=4096"

// A decision set by hand that an option contradicts, or that cannot work,
// is an error naming it, never silently replaced.

// expected-error @+1 {{the model's moe.layout sets tp = 2 but the option asks for 8; drop one of them}}
moe.model @layout hidden = 64, vocab = 16 attributes {moe.layout = #moe.layout<tp = 2>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 8, kv_heads = 8, head_dim = 8
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// expected-error @+1 {{the model's moe.layout sets dp = 4 but 64 devices over TP x PP x CP = 8 give DP = 8}}
moe.model @dp hidden = 64, vocab = 16 attributes {moe.layout = #moe.layout<dp = 4>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 8, kv_heads = 8, head_dim = 8
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// expected-error @+1 {{the model's moe.training sets seq = 2048 but the option asks for 4096; drop one of them}}
moe.model @seq hidden = 64, vocab = 16 attributes {moe.training = #moe.training<seq = 2048>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 8, kv_heads = 8, head_dim = 8
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// expected-error @+1 {{precision fp8: NVIDIA A100 SXM 80GB has no FP8 matrix path (the preset's device.cube_flops_fp8 is 0); use bf16 (--precision=bf16)}}
moe.model @fp8 hidden = 64, vocab = 16 attributes {moe.training = #moe.training<precision = fp8>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 8, kv_heads = 8, head_dim = 8
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}
