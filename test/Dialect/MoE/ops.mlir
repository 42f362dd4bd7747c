// RUN: moe-opt %s | moe-opt | FileCheck %s
// RUN: moe-opt %s --mlir-print-op-generic | moe-opt | FileCheck %s

// Every op of the dialect, in every optional form, survives a round trip
// through the custom and the generic syntax.

// CHECK-LABEL: moe.model @dense_gqa hidden = 256, vocab = 1024 {
// CHECK-NEXT:    moe.embedding{{$}}
// CHECK-NEXT:    moe.decoder_layer 0 {
// CHECK-NEXT:      moe.norm rms
// CHECK-NEXT:      moe.attention heads = 4, kv_heads = 2, head_dim = 64{{$}}
// CHECK-NEXT:      moe.norm rms
// CHECK-NEXT:      moe.mlp ffn = 688, swiglu{{$}}
// CHECK-NEXT:    }
// CHECK-NEXT:    moe.norm rms
// CHECK-NEXT:    moe.lm_head
// CHECK-NEXT:    moe.loss
moe.model @dense_gqa hidden = 256, vocab = 1024 {
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

// CHECK-LABEL: moe.model @gpt hidden = 128, vocab = 500, tied {
// CHECK-NEXT:    moe.embedding positions = 1024
// CHECK:         moe.norm layer
// CHECK-NEXT:    moe.attention heads = 2, kv_heads = 2, head_dim = 64 qkv_bias out_bias
// CHECK:         moe.mlp ffn = 512, gelu, bias
// CHECK:         moe.attention heads = 2, kv_heads = 1, head_dim = 64 qk_norm
// CHECK:         moe.mlp ffn = 512, relu
// CHECK:         moe.mlp ffn = 512, geglu
// CHECK:         moe.mlp ffn = 512, silu
moe.model @gpt hidden = 128, vocab = 500, tied {
  moe.embedding positions = 1024
  moe.decoder_layer 0 {
    moe.norm layer
    moe.attention heads = 2, kv_heads = 2, head_dim = 64 qkv_bias out_bias
    moe.norm layer
    moe.mlp ffn = 512, gelu, bias
  }
  moe.decoder_layer 1 {
    moe.attention heads = 2, kv_heads = 1, head_dim = 64 qk_norm
    moe.mlp ffn = 512, relu
  }
  moe.decoder_layer 2 {
    moe.attention heads = 2, kv_heads = 1, head_dim = 64
    moe.mlp ffn = 512, geglu
  }
  moe.decoder_layer 3 {
    moe.attention heads = 2, kv_heads = 1, head_dim = 64
    moe.mlp ffn = 512, silu
  }
  moe.norm layer
  moe.lm_head
  moe.loss
}

// CHECK-LABEL: moe.model @moe_mla hidden = 512, vocab = 1000 {
// CHECK:         moe.decoder_layer 1 {
// CHECK-NEXT:      moe.norm rms
// CHECK-NEXT:      moe.mla_attention heads = 4, kv_lora = 64, qk_nope = 32, qk_rope = 16, v = 32, q_lora = 96
// CHECK-NEXT:      moe.norm rms
// CHECK-NEXT:      moe.router experts = 8, top_k = 2
// CHECK-NEXT:      moe.dispatch
// CHECK-NEXT:      moe.experts count = 8, ffn = 128, swiglu
// CHECK-NEXT:      moe.combine
// CHECK-NEXT:      moe.shared_experts count = 2, ffn = 128, swiglu, gated
// CHECK:         moe.mtp_layer 0 {
// CHECK-NEXT:      moe.norm rms
// CHECK-NEXT:      moe.norm rms
// CHECK-NEXT:      moe.mtp_projection
// CHECK-NEXT:      moe.decoder_layer 0 {
// CHECK:             moe.mla_attention heads = 4, kv_lora = 64, qk_nope = 32, qk_rope = 16, v = 32{{$}}
// CHECK:             moe.experts count = 8, ffn = 128, swiglu
// CHECK:         moe.lm_head
moe.model @moe_mla hidden = 512, vocab = 1000 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.mla_attention heads = 4, kv_lora = 64, qk_nope = 32, qk_rope = 16, v = 32, q_lora = 96
    moe.norm rms
    moe.mlp ffn = 1024, swiglu
  }
  moe.decoder_layer 1 {
    moe.norm rms
    moe.mla_attention heads = 4, kv_lora = 64, qk_nope = 32, qk_rope = 16, v = 32, q_lora = 96
    moe.norm rms
    moe.router experts = 8, top_k = 2
    moe.dispatch
    moe.experts count = 8, ffn = 128, swiglu
    moe.combine
    moe.shared_experts count = 2, ffn = 128, swiglu, gated
  }
  moe.norm rms
  moe.mtp_layer 0 {
    moe.norm rms
    moe.norm rms
    moe.mtp_projection
    moe.decoder_layer 0 {
      moe.norm rms
      moe.mla_attention heads = 4, kv_lora = 64, qk_nope = 32, qk_rope = 16, v = 32
      moe.norm rms
      moe.router experts = 8, top_k = 2
      moe.dispatch
      moe.experts count = 8, ffn = 128, swiglu
      moe.combine
    }
    moe.norm rms
  }
  moe.lm_head
  moe.loss
}
