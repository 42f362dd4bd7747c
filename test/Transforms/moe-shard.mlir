// RUN: moe-opt %s --moe-shard="devices=6144 tp=8 pp=16 vpp=2 ep=4 tp-extend-ep distributed-optimizer global-batch=6144 micro-batch=2 seq=4096" | FileCheck %s --check-prefix=PAPER
// RUN: moe-opt %s --moe-shard="devices=6144 tp=4" | FileCheck %s --check-prefix=DEFAULTS

// The paper's layout on 6144 devices: DP = 6144 / (8·16) = 48; experts
// spread over TP × EP = 32 ranks, so ETP is 1; SP on with TP > 1.
// The training setup goes on the model beside it.
// PAPER: moe.model @moe {{.*}}moe.layout = #moe.layout<tp = 8, pp = 16, vpp = 2, ep = 4, etp = 1, cp = 1, dp = 48, sp = true, tp_extend_ep = true, hierarchical_a2a = false, distributed_optimizer = true>, moe.training = #moe.training<seq = 4096, micro_batch = 2, global_batch = 6144, precision = bf16, attention = flash>}

// Left out, sizes take Megatron's defaults: PP, VPP, EP, CP 1, ETP = TP,
// SP with TP > 1; DP = 6144 / 4.
// The training sizes left out stay open.
// DEFAULTS: moe.model @moe {{.*}}moe.layout = #moe.layout<tp = 4, pp = 1, vpp = 1, ep = 1, etp = 4, cp = 1, dp = 1536, sp = true, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>, moe.training = #moe.training<precision = bf16, attention = flash>}
moe.model @moe hidden = 1024, vocab = 1000 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 32, kv_heads = 8, head_dim = 32
    moe.mlp ffn = 4096, swiglu
  }
  moe.decoder_layer 1 {
    moe.mla_attention heads = 32, kv_lora = 64, qk_nope = 32, qk_rope = 16, v = 32
    moe.router experts = 256, top_k = 8
    moe.dispatch
    moe.experts count = 256, ffn = 256, swiglu
    moe.combine
  }
  moe.decoder_layer 2 { moe.attention heads = 32, kv_heads = 8, head_dim = 32
    moe.mlp ffn = 4096, swiglu }
  moe.decoder_layer 3 { moe.attention heads = 32, kv_heads = 8, head_dim = 32
    moe.mlp ffn = 4096, swiglu }
  moe.decoder_layer 4 { moe.attention heads = 32, kv_heads = 8, head_dim = 32
    moe.mlp ffn = 4096, swiglu }
  moe.decoder_layer 5 { moe.attention heads = 32, kv_heads = 8, head_dim = 32
    moe.mlp ffn = 4096, swiglu }
  moe.decoder_layer 6 { moe.attention heads = 32, kv_heads = 8, head_dim = 32
    moe.mlp ffn = 4096, swiglu }
  moe.decoder_layer 7 { moe.attention heads = 32, kv_heads = 8, head_dim = 32
    moe.mlp ffn = 4096, swiglu }
  moe.decoder_layer 8 { moe.attention heads = 32, kv_heads = 8, head_dim = 32
    moe.mlp ffn = 4096, swiglu }
  moe.decoder_layer 9 { moe.attention heads = 32, kv_heads = 8, head_dim = 32
    moe.mlp ffn = 4096, swiglu }
  moe.decoder_layer 10 { moe.attention heads = 32, kv_heads = 8, head_dim = 32
    moe.mlp ffn = 4096, swiglu }
  moe.decoder_layer 11 { moe.attention heads = 32, kv_heads = 8, head_dim = 32
    moe.mlp ffn = 4096, swiglu }
  moe.decoder_layer 12 { moe.attention heads = 32, kv_heads = 8, head_dim = 32
    moe.mlp ffn = 4096, swiglu }
  moe.decoder_layer 13 { moe.attention heads = 32, kv_heads = 8, head_dim = 32
    moe.mlp ffn = 4096, swiglu }
  moe.decoder_layer 14 { moe.attention heads = 32, kv_heads = 8, head_dim = 32
    moe.mlp ffn = 4096, swiglu }
  moe.decoder_layer 15 { moe.attention heads = 32, kv_heads = 8, head_dim = 32
    moe.mlp ffn = 4096, swiglu }
  moe.decoder_layer 16 { moe.attention heads = 32, kv_heads = 8, head_dim = 32
    moe.mlp ffn = 4096, swiglu }
  moe.decoder_layer 17 { moe.attention heads = 32, kv_heads = 8, head_dim = 32
    moe.mlp ffn = 4096, swiglu }
  moe.decoder_layer 18 { moe.attention heads = 32, kv_heads = 8, head_dim = 32
    moe.mlp ffn = 4096, swiglu }
  moe.decoder_layer 19 { moe.attention heads = 32, kv_heads = 8, head_dim = 32
    moe.mlp ffn = 4096, swiglu }
  moe.decoder_layer 20 { moe.attention heads = 32, kv_heads = 8, head_dim = 32
    moe.mlp ffn = 4096, swiglu }
  moe.decoder_layer 21 { moe.attention heads = 32, kv_heads = 8, head_dim = 32
    moe.mlp ffn = 4096, swiglu }
  moe.decoder_layer 22 { moe.attention heads = 32, kv_heads = 8, head_dim = 32
    moe.mlp ffn = 4096, swiglu }
  moe.decoder_layer 23 { moe.attention heads = 32, kv_heads = 8, head_dim = 32
    moe.mlp ffn = 4096, swiglu }
  moe.decoder_layer 24 { moe.attention heads = 32, kv_heads = 8, head_dim = 32
    moe.mlp ffn = 4096, swiglu }
  moe.decoder_layer 25 { moe.attention heads = 32, kv_heads = 8, head_dim = 32
    moe.mlp ffn = 4096, swiglu }
  moe.decoder_layer 26 { moe.attention heads = 32, kv_heads = 8, head_dim = 32
    moe.mlp ffn = 4096, swiglu }
  moe.decoder_layer 27 { moe.attention heads = 32, kv_heads = 8, head_dim = 32
    moe.mlp ffn = 4096, swiglu }
  moe.decoder_layer 28 { moe.attention heads = 32, kv_heads = 8, head_dim = 32
    moe.mlp ffn = 4096, swiglu }
  moe.decoder_layer 29 { moe.attention heads = 32, kv_heads = 8, head_dim = 32
    moe.mlp ffn = 4096, swiglu }
  moe.decoder_layer 30 { moe.attention heads = 32, kv_heads = 8, head_dim = 32
    moe.mlp ffn = 4096, swiglu }
  moe.decoder_layer 31 { moe.attention heads = 32, kv_heads = 8, head_dim = 32
    moe.mlp ffn = 4096, swiglu }
  moe.norm rms
  moe.lm_head
  moe.loss
}
