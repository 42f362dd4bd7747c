// RUN: moe-opt %s --split-input-file --convert-moe-to-ascend | FileCheck %s

// One case per op kind: the forward kernels with their FLOPs, bytes and
// shapes, the tensors saved for backward, and the backward kernels in
// reverse order (data gradient before weight gradient). T = 2·256 = 512
// tokens per micro-batch.

// Without a moe.layout the model runs on one device: both grids are 1s.
// CHECK-LABEL: ascend.plan @dense_gqa {
// CHECK-NEXT:    shard.grid @attention(shape = 1x1x1x1)
// CHECK-NEXT:    shard.grid @experts(shape = 1x1x1x1x1)
// CHECK-NEXT:    ascend.schedule stages = 1, chunks = 1, micro_batches = 4
// Parameters P = 2·1000·256 + (2·256 + 256·(256 + 2·128) + 256·256 + 3·256·688) + 256 = 1,237,760;
// bf16 weights 2P, fp32 gradients 4P, fp32 master weights and Adam moments 12P.
// CHECK-NEXT:    ascend.stage_memory stage = 0, weights = 2475520, grads = 4951040, optimizer = 14853120
// CHECK-NEXT:    ascend.program stage = 0, chunk = 0, forward {
// Gather 512 rows of 256 bf16 values and write them; 8-byte token ids.
// CHECK-NEXT:      ascend.vector "embedding.lookup" flops = 0, bytes = 528384
// CHECK-NEXT:      ascend.save "embedding.token_ids" bytes = 4096
// RMSNorm: 4 FLOPs per element, read and write bf16.
// CHECK-NEXT:      ascend.vector "dense0.norm0" flops = 524288, bytes = 524288
// CHECK-NEXT:      ascend.save "dense0.norm0.input" bytes = 262144
// CHECK-NEXT:      ascend.save "dense0.norm0.rstd" bytes = 2048
// QKV: 2·512·(256 + 2·128)·256 FLOPs; bytes 2·(512·256 + 256·512 + 512·512).
// CHECK-NEXT:      ascend.cube "dense0.attention.qkv_proj" flops = 134217728, bytes = 1048576, shape = [512, 512, 256]
// CHECK-NEXT:      ascend.vector "dense0.attention.rope" flops = 589824, bytes = 786432
// Causal flash attention: 2 sequences × 256·257/2 pairs × 4 heads × 2·(64 + 64).
// CHECK-NEXT:      ascend.cube "dense0.attention.core" flops = 67371008, bytes = 794624, shape = [256, 256, 128], groups = 8
// CHECK-NEXT:      ascend.cube "dense0.attention.out_proj" flops = 67108864, bytes = 655360, shape = [512, 256, 256]
// CHECK-NEXT:      ascend.save "dense0.attention.qkv_input" bytes = 262144
// CHECK-NEXT:      ascend.save "dense0.attention.q" bytes = 262144
// CHECK-NEXT:      ascend.save "dense0.attention.kv" bytes = 262144
// CHECK-NEXT:      ascend.save "dense0.attention.core_output" bytes = 262144
// CHECK-NEXT:      ascend.save "dense0.attention.softmax_lse" bytes = 8192
// CHECK-NEXT:      ascend.vector "dense0.norm1"
// CHECK:           ascend.cube "dense0.mlp.fc1" flops = 360710144, bytes = 2375680, shape = [512, 1376, 256]
// CHECK-NEXT:      ascend.vector "dense0.mlp.act" flops = 2113536, bytes = 2113536
// CHECK-NEXT:      ascend.cube "dense0.mlp.fc2" flops = 180355072, bytes = 1318912, shape = [512, 256, 688]
// CHECK-NEXT:      ascend.save "dense0.mlp.fc1_input" bytes = 262144
// CHECK-NEXT:      ascend.save "dense0.mlp.act_input" bytes = 1409024
// CHECK-NEXT:      ascend.save "dense0.mlp.fc2_input" bytes = 704512
// CHECK:           ascend.vector "final_norm"
// CHECK:           ascend.cube "lm_head" flops = 262144000, bytes = 1798144, shape = [512, 1000, 256]
// CHECK-NEXT:      ascend.save "lm_head.input" bytes = 262144
// CHECK-NEXT:      ascend.vector "loss" flops = 2560000, bytes = 1026048
// CHECK-NEXT:      ascend.save "loss.softmax" bytes = 2048000
// CHECK-NEXT:    }
// CHECK-NEXT:    ascend.program stage = 0, chunk = 0, backward {
// CHECK-NEXT:      ascend.vector "loss.bwd"
// CHECK-NEXT:      ascend.release "loss.softmax" bytes = 2048000
// CHECK-NEXT:      ascend.cube "lm_head.dgrad" flops = 262144000, bytes = 1798144, shape = [512, 256, 1000]
// CHECK-NEXT:      ascend.cube "lm_head.wgrad" flops = 262144000, bytes = 1798144, shape = [256, 1000, 512]
// CHECK:           ascend.cube "dense0.mlp.fc2.dgrad"
// CHECK-NEXT:      ascend.cube "dense0.mlp.fc2.wgrad"
// CHECK-NEXT:      ascend.vector "dense0.mlp.act.bwd"
// CHECK-NEXT:      ascend.cube "dense0.mlp.fc1.dgrad"
// CHECK-NEXT:      ascend.cube "dense0.mlp.fc1.wgrad"
// CHECK:           ascend.cube "dense0.attention.out_proj.dgrad"
// CHECK-NEXT:      ascend.cube "dense0.attention.out_proj.wgrad"
// Flash attention's backward recomputes the scores: 5/2 of the forward.
// CHECK-NEXT:      ascend.cube "dense0.attention.core.bwd" flops = 168427520, bytes = 1589248, shape = [256, 256, 128], groups = 8
// CHECK:           ascend.vector "embedding.lookup.bwd"
// CHECK-NEXT:      ascend.release "embedding.token_ids" bytes = 4096
// CHECK-NEXT:    }
// CHECK-NEXT:    ascend.program stage = 0, chunk = 0, optimizer {
// CHECK-NEXT:      ascend.vector "optimizer.grad_norm" flops = 2475520, bytes = 4951040
// CHECK-NEXT:      ascend.vector "optimizer.adam" flops = 14853120, bytes = 37132800
// CHECK-NOT:     moe.
moe.model @dense_gqa hidden = 256, vocab = 1000 attributes {moe.training = #moe.training<seq = 256, micro_batch = 2, global_batch = 8, precision = bf16, attention = flash>} {
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

// -----

// MLA: compressed query and key/value with their latent norms, rotary
// part shared by the heads, query-key width 32 + 16 and value width 32.
// CHECK-LABEL: ascend.plan @mla {
// CHECK:         ascend.cube "dense0.attention.q_down" flops = 50331648, bytes = 720896, shape = [512, 96, 512]
// CHECK-NEXT:    ascend.vector "dense0.attention.q_norm" flops = 196608, bytes = 196608
// CHECK-NEXT:    ascend.cube "dense0.attention.q_up" flops = 18874368, bytes = 331776, shape = [512, 192, 96]
// CHECK-NEXT:    ascend.cube "dense0.attention.kv_down" flops = 41943040, bytes = 688128, shape = [512, 80, 512]
// CHECK-NEXT:    ascend.vector "dense0.attention.kv_norm" flops = 131072, bytes = 131072
// CHECK-NEXT:    ascend.cube "dense0.attention.kv_up" flops = 16777216, bytes = 360448, shape = [512, 256, 64]
// The query's 4 rotary heads and the shared rotary key: 512·5·16 elements.
// CHECK-NEXT:    ascend.vector "dense0.attention.rope" flops = 122880, bytes = 163840
// 2 · 32896 pairs · 2 sequences · 4 heads · (48 + 32).
// CHECK-NEXT:    ascend.cube "dense0.attention.core" flops = 42106880, bytes = 663552, shape = [256, 256, 80], groups = 8
// CHECK-NEXT:    ascend.cube "dense0.attention.out_proj" flops = 67108864, bytes = 786432, shape = [512, 512, 128]
// CHECK:         ascend.save "dense0.attention.q" bytes = 196608
// CHECK-NEXT:    ascend.save "dense0.attention.k" bytes = 196608
// CHECK-NEXT:    ascend.save "dense0.attention.v" bytes = 131072
// Without q_lora the query is projected directly.
// CHECK:         ascend.cube "dense1.attention.q_proj" flops = 100663296, bytes = 917504, shape = [512, 192, 512]
// CHECK-NEXT:    ascend.cube "dense1.attention.kv_down"
moe.model @mla hidden = 512, vocab = 1000 attributes {moe.training = #moe.training<seq = 256, micro_batch = 2, global_batch = 8, precision = bf16, attention = flash>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.mla_attention heads = 4, kv_lora = 64, qk_nope = 32, qk_rope = 16, v = 32, q_lora = 96
    moe.mlp ffn = 128, swiglu
  }
  moe.decoder_layer 1 {
    moe.mla_attention heads = 4, kv_lora = 64, qk_nope = 32, qk_rope = 16, v = 32
    moe.mlp ffn = 128, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// MoE: gate, top-k, the permuted copies, grouped expert GEMMs over
// T·k/E = 512·2/8 = 128 tokens per expert, unpermute, and a gated shared
// expert.
// CHECK-LABEL: ascend.plan @moe {
// CHECK:         ascend.cube "moe0.router.gate" flops = 4194304, bytes = 540672, shape = [512, 8, 512]
// CHECK-NEXT:    ascend.vector "moe0.router.topk" flops = 24576, bytes = 40960
// CHECK-NEXT:    ascend.save "moe0.router.input" bytes = 524288
// fp32 probabilities over 8 experts, and 2 8-byte expert indices per token.
// CHECK-NEXT:    ascend.save "moe0.router.probs" bytes = 16384
// CHECK-NEXT:    ascend.save "moe0.router.routing_map" bytes = 8192
// Read 512 tokens, write 2 copies of each.
// CHECK-NEXT:    ascend.vector "moe0.dispatch.permute" flops = 0, bytes = 1572864
// CHECK-NEXT:    ascend.save "moe0.dispatch.permuted_probs" bytes = 4096
// CHECK-NEXT:    ascend.cube "moe0.experts.fc1" flops = 268435456, bytes = 3670016, shape = [128, 256, 512], groups = 8
// CHECK-NEXT:    ascend.vector "moe0.experts.act" flops = 786432, bytes = 786432
// CHECK-NEXT:    ascend.cube "moe0.experts.fc2" flops = 134217728, bytes = 2359296, shape = [128, 512, 128], groups = 8
// Routed-expert activations are kept for the top-2 copies of each token.
// CHECK-NEXT:    ascend.save "moe0.experts.fc1_input" bytes = 1048576
// CHECK-NEXT:    ascend.save "moe0.experts.act_input" bytes = 524288
// CHECK-NEXT:    ascend.save "moe0.experts.fc2_input" bytes = 262144
// CHECK-NEXT:    ascend.vector "moe0.combine.unpermute" flops = 1048576, bytes = 1576960
// CHECK-NEXT:    ascend.save "moe0.combine.expert_output" bytes = 1048576
// CHECK-NEXT:    ascend.cube "moe0.shared_experts.fc1" flops = 268435456, bytes = 1572864, shape = [512, 512, 512]
// CHECK-NEXT:    ascend.vector "moe0.shared_experts.act"
// CHECK-NEXT:    ascend.cube "moe0.shared_experts.fc2" flops = 134217728, bytes = 1048576, shape = [512, 512, 256]
// CHECK-NEXT:    ascend.cube "moe0.shared_experts.gate" flops = 524288, bytes = 526336, shape = [512, 1, 512]
// CHECK-NEXT:    ascend.vector "moe0.shared_experts.gate_mul"
moe.model @moe hidden = 512, vocab = 1000 attributes {moe.training = #moe.training<seq = 256, micro_batch = 2, global_batch = 8, precision = bf16, attention = flash>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 4, head_dim = 128
    moe.router experts = 8, top_k = 2
    moe.dispatch
    moe.experts count = 8, ffn = 128, swiglu
    moe.combine
    moe.shared_experts count = 1, ffn = 256, swiglu, gated
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// GPT-2 style: learned positions (a second gather and an add), LayerNorm
// (5 FLOPs per element), a GeLU MLP (one input projection).
// CHECK-LABEL: ascend.plan @gpt {
// CHECK:         ascend.vector "embedding.lookup" flops = 65536, bytes = 397312
// CHECK-NEXT:    ascend.save "embedding.token_ids"
// CHECK-NEXT:    ascend.vector "dense0.norm0" flops = 327680, bytes = 262144
// CHECK:         ascend.cube "dense0.mlp.fc1" flops = 67108864, bytes = 786432, shape = [512, 512, 128]
// CHECK-NEXT:    ascend.vector "dense0.mlp.act" flops = 2097152, bytes = 1048576
// CHECK-NEXT:    ascend.cube "dense0.mlp.fc2" flops = 67108864, bytes = 786432, shape = [512, 128, 512]
moe.model @gpt hidden = 128, vocab = 1000, tied attributes {moe.training = #moe.training<seq = 256, micro_batch = 2, global_batch = 8, precision = bf16, attention = flash>} {
  moe.embedding positions = 256
  moe.decoder_layer 0 {
    moe.norm layer
    moe.attention heads = 2, kv_heads = 2, head_dim = 64 qkv_bias out_bias
    moe.norm layer
    moe.mlp ffn = 512, gelu, bias
  }
  moe.norm layer
  moe.lm_head
  moe.loss
}

// -----

// MTP: the two input norms, the concatenation and the 2h → h projection,
// then the block, after the main model's final norm.
// CHECK-LABEL: ascend.plan @mtp {
// CHECK:         ascend.vector "final_norm"
// CHECK:         ascend.vector "mtp0.norm0"
// CHECK:         ascend.vector "mtp0.norm1"
// CHECK:         ascend.vector "mtp0.mtp_projection.concat" flops = 0, bytes = 1048576
// CHECK-NEXT:    ascend.cube "mtp0.mtp_projection.eh_proj" flops = 134217728, bytes = 1048576, shape = [512, 256, 512]
// CHECK-NEXT:    ascend.save "mtp0.mtp_projection.input" bytes = 524288
// CHECK-NEXT:    ascend.cube "mtp0.attention.qkv_proj"
// CHECK:         ascend.cube "mtp0.mlp.fc2"
// CHECK:         ascend.vector "mtp0.norm2"
// CHECK:         ascend.cube "lm_head"
moe.model @mtp hidden = 256, vocab = 1000 attributes {moe.training = #moe.training<seq = 256, micro_batch = 2, global_batch = 8, precision = bf16, attention = flash>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 4, head_dim = 64
    moe.mlp ffn = 512, swiglu
  }
  moe.norm rms
  moe.mtp_layer 0 {
    moe.norm rms
    moe.norm rms
    moe.mtp_projection
    moe.decoder_layer 0 {
      moe.attention heads = 4, kv_heads = 4, head_dim = 64
      moe.mlp ffn = 512, swiglu
    }
    moe.norm rms
  }
  moe.lm_head
  moe.loss
}
