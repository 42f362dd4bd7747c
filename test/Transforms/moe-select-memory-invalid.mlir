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

// -----

// FP8 linear layers on a device without an FP8 matrix path cannot be priced.
// expected-error @+1 {{precision fp8: NVIDIA A100 SXM 40GB has no FP8 matrix path (the preset's device.cube_flops_fp8 is 0); use bf16 (--precision=bf16)}}
moe.model @fp8 hidden = 64, vocab = 16 attributes {moe.layout = #moe.layout<tp = 1, pp = 1, vpp = 1, ep = 1, etp = 1, cp = 1, dp = 1, sp = false, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>, moe.training = #moe.training<seq = 1024, micro_batch = 1, global_batch = 8, precision = fp8, attention = flash>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}
