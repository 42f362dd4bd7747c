// A small MoE model for the launch-argument tests: a dense first layer,
// seven MoE layers with a shared expert twice the routed width, GQA, an MTP
// layer, and a vocabulary no TP above 1 divides.
moe.model @tiny_moe hidden = 256, vocab = 1001 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 8, kv_heads = 2, head_dim = 32
    moe.norm rms
    moe.mlp ffn = 1024, swiglu
  }
  moe.decoder_layer 1 {
    moe.norm rms
    moe.attention heads = 8, kv_heads = 2, head_dim = 32
    moe.norm rms
    moe.router experts = 8, top_k = 2
    moe.dispatch
    moe.experts count = 8, ffn = 512, swiglu
    moe.combine
    moe.shared_experts count = 1, ffn = 1024, swiglu
  }
  moe.decoder_layer 2 {
    moe.norm rms
    moe.attention heads = 8, kv_heads = 2, head_dim = 32
    moe.norm rms
    moe.router experts = 8, top_k = 2
    moe.dispatch
    moe.experts count = 8, ffn = 512, swiglu
    moe.combine
    moe.shared_experts count = 1, ffn = 1024, swiglu
  }
  moe.decoder_layer 3 {
    moe.norm rms
    moe.attention heads = 8, kv_heads = 2, head_dim = 32
    moe.norm rms
    moe.router experts = 8, top_k = 2
    moe.dispatch
    moe.experts count = 8, ffn = 512, swiglu
    moe.combine
    moe.shared_experts count = 1, ffn = 1024, swiglu
  }
  moe.decoder_layer 4 {
    moe.norm rms
    moe.attention heads = 8, kv_heads = 2, head_dim = 32
    moe.norm rms
    moe.router experts = 8, top_k = 2
    moe.dispatch
    moe.experts count = 8, ffn = 512, swiglu
    moe.combine
    moe.shared_experts count = 1, ffn = 1024, swiglu
  }
  moe.decoder_layer 5 {
    moe.norm rms
    moe.attention heads = 8, kv_heads = 2, head_dim = 32
    moe.norm rms
    moe.router experts = 8, top_k = 2
    moe.dispatch
    moe.experts count = 8, ffn = 512, swiglu
    moe.combine
    moe.shared_experts count = 1, ffn = 1024, swiglu
  }
  moe.decoder_layer 6 {
    moe.norm rms
    moe.attention heads = 8, kv_heads = 2, head_dim = 32
    moe.norm rms
    moe.router experts = 8, top_k = 2
    moe.dispatch
    moe.experts count = 8, ffn = 512, swiglu
    moe.combine
    moe.shared_experts count = 1, ffn = 1024, swiglu
  }
  moe.decoder_layer 7 {
    moe.norm rms
    moe.attention heads = 8, kv_heads = 2, head_dim = 32
    moe.norm rms
    moe.router experts = 8, top_k = 2
    moe.dispatch
    moe.experts count = 8, ffn = 512, swiglu
    moe.combine
    moe.shared_experts count = 1, ffn = 1024, swiglu
  }
  moe.norm rms
  moe.mtp_layer 0 {
    moe.norm rms
    moe.norm rms
    moe.mtp_projection
    moe.decoder_layer 0 {
      moe.norm rms
      moe.attention heads = 8, kv_heads = 2, head_dim = 32
      moe.norm rms
      moe.router experts = 8, top_k = 2
      moe.dispatch
      moe.experts count = 8, ffn = 512, swiglu
      moe.combine
      moe.shared_experts count = 1, ffn = 1024, swiglu
    }
    moe.norm rms
  }
  moe.lm_head
  moe.loss
}
