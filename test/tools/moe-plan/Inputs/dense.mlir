moe.model @dense hidden = 256, vocab = 1024 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    moe.norm rms
    moe.mlp ffn = 688, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}
