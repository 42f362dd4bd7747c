moe.model @huge hidden = 4611686018427387904, vocab = 4 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 1, kv_heads = 1, head_dim = 1
    moe.mlp ffn = 1, relu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}
