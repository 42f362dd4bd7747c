moe.model @a hidden = 64, vocab = 10 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 1, kv_heads = 1, head_dim = 64
    moe.mlp ffn = 64, relu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}
moe.model @b hidden = 64, vocab = 10 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 1, kv_heads = 1, head_dim = 64
    moe.mlp ffn = 64, relu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}
