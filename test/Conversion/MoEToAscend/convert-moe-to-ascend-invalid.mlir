// RUN: moe-opt %s --split-input-file --verify-diagnostics --convert-moe-to-ascend

// Every decision the lowering takes is read from the IR, so a bad one is a
// bad attribute: the moe dialect rejects it when the model is read, or the
// lowering when it is inconsistent with the rest of the model.

// A memory choice other than keep, recompute and swap.
moe.model @policy hidden = 128, vocab = 1000 attributes {moe.training = #moe.training<seq = 4096, micro_batch = 1, global_batch = 1, precision = bf16, attention = flash>} {
  moe.embedding
  moe.decoder_layer 0 {
    // expected-error @+1 {{'softmax_lse' must be keep, recompute or swap, got 'sometimes'}}
    moe.attention heads = 2, kv_heads = 2, head_dim = 64 {moe.memory = #moe.memory<softmax_lse = sometimes>}
    moe.mlp ffn = 256, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// A sequence length of 0 is left open, for moe-shard to fill; the lowering
// needs it decided.
// expected-error @+1 {{convert-moe-to-ascend needs the model's complete moe.training (seq, micro_batch, global_batch); run moe-shard first}}
moe.model @seq hidden = 128, vocab = 1000 attributes {moe.training = #moe.training<seq = 0, micro_batch = 1, global_batch = 1, precision = bf16, attention = flash>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 2, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 256, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// A negative global batch (the old micro-batches=-2).
// expected-error @+1 {{training 'global_batch' must not be negative (0 is open), got -2}}
moe.model @micro hidden = 128, vocab = 1000 attributes {moe.training = #moe.training<seq = 4096, micro_batch = 1, global_batch = -2, precision = bf16, attention = flash>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 2, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 256, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// Without moe.training at all.
// expected-error @+1 {{convert-moe-to-ascend needs the model's complete moe.training (seq, micro_batch, global_batch); run moe-shard first}}
moe.model @untrained hidden = 128, vocab = 1000 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 2, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 256, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// The micro-batches per step are global_batch / (micro_batch x DP).
// expected-error @+1 {{the global batch (4) is not a multiple of micro-batch x DP = 8}}
moe.model @batch hidden = 128, vocab = 1000 attributes {moe.layout = #moe.layout<tp = 1, pp = 1, vpp = 1, ep = 1, etp = 1, cp = 1, dp = 8, sp = false, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>, moe.training = #moe.training<seq = 4096, micro_batch = 1, global_batch = 4, precision = bf16, attention = flash>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 2, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 256, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// A partial layout is for moe-shard to complete.
// expected-error @+1 {{convert-moe-to-ascend needs a complete moe.layout, got #moe.layout<tp = 1, dp = 8, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>; run moe-shard first}}
moe.model @partial hidden = 128, vocab = 1000 attributes {moe.layout = #moe.layout<tp = 1, dp = 8>, moe.training = #moe.training<seq = 4096, micro_batch = 1, global_batch = 8, precision = bf16, attention = flash>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 2, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 256, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// A placement outside the layout's virtual stages: virtual stage 3 is
// stage 0, chunk 3 of a single pipeline rank (no layout: PP = VPP = 1).
moe.model @stage hidden = 128, vocab = 1000 attributes {moe.training = #moe.training<seq = 4096, micro_batch = 1, global_batch = 1, precision = bf16, attention = flash>} {
  moe.embedding
  // expected-error @+1 {{'moe.decoder_layer' op is placed on stage 0, chunk 3 but the layout has pp = 1, vpp = 1}}
  moe.decoder_layer 0 attributes {moe.placement = #moe.placement<stage = 0, chunk = 3>} {
    moe.attention heads = 2, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 256, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// An op reruns from its input, so recomputing the input itself needs the
// whole layer recomputed.
moe.model @input hidden = 128, vocab = 1000 attributes {moe.training = #moe.training<seq = 4096, micro_batch = 1, global_batch = 1, precision = bf16, attention = flash>} {
  moe.embedding
  moe.decoder_layer 0 {
    // expected-error @+1 {{'moe.attention' op recomputes its input 'qkv_input' but dense0 is not recomputed whole, so nothing could rerun it: keep or swap the input, or recompute every tensor of the layer}}
    moe.attention heads = 2, kv_heads = 2, head_dim = 64 {moe.memory = #moe.memory<qkv_input = recompute>}
    moe.mlp ffn = 256, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// The optimizer state goes to host memory only with the distributed
// optimizer, as MindSpeed's --swap-optimizer does.
// expected-error @+1 {{swapping the optimizer state to host memory needs the distributed optimizer (MindSpeed's --swap-optimizer does): add distributed_optimizer to the layout}}
moe.model @optimizer hidden = 128, vocab = 1000 attributes {moe.memory = #moe.memory<optimizer = swap>, moe.training = #moe.training<seq = 4096, micro_batch = 1, global_batch = 1, precision = bf16, attention = flash>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 2, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 256, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// The interleaved schedule runs micro-batches in groups of PP.
// expected-error @+1 {{the interleaved schedule needs the micro-batches per step (3) to be a multiple of PP (2)}}
moe.model @interleaved hidden = 128, vocab = 1000 attributes {moe.layout = #moe.layout<tp = 1, pp = 2, vpp = 2, ep = 1, etp = 1, cp = 1, dp = 1, sp = false, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>, moe.training = #moe.training<seq = 4096, micro_batch = 1, global_batch = 3, precision = bf16, attention = flash>} {
  moe.embedding
  moe.decoder_layer 0 { moe.attention heads = 2, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 256, swiglu }
  moe.decoder_layer 1 { moe.attention heads = 2, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 256, swiglu }
  moe.decoder_layer 2 { moe.attention heads = 2, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 256, swiglu }
  moe.decoder_layer 3 { moe.attention heads = 2, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 256, swiglu }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// An overlap choice names a communication the op runs under the layout.
moe.model @overlapname hidden = 128, vocab = 1000 attributes {moe.layout = #moe.layout<tp = 2, pp = 1, vpp = 1, ep = 1, etp = 2, cp = 1, dp = 1, sp = true, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>, moe.training = #moe.training<seq = 4096, micro_batch = 1, global_batch = 1, precision = bf16, attention = flash>} {
  moe.embedding
  moe.decoder_layer 0 {
    // expected-error @+1 {{'moe.attention' op has no communication 'all_to_all' under this layout (in 'moe.overlap'); it runs sp_gather, sp_scatter, qkv_proj.input_gather}}
    moe.attention heads = 2, kv_heads = 2, head_dim = 64 {moe.overlap = #moe.overlap<all_to_all = fb>}
    moe.mlp ffn = 256, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// On one device nothing communicates.
moe.model @overlapnone hidden = 128, vocab = 1000 attributes {moe.training = #moe.training<seq = 4096, micro_batch = 1, global_batch = 1, precision = bf16, attention = flash>} {
  moe.embedding
  moe.decoder_layer 0 {
    // expected-error @+1 {{'moe.attention' op has no communication 'sp_gather' under this layout (in 'moe.overlap'); it communicates nothing}}
    moe.attention heads = 2, kv_heads = 2, head_dim = 64 {moe.overlap = #moe.overlap<sp_gather = fb>}
    moe.mlp ffn = 256, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// Forward/backward overlap pairs whole micro-batches: fb and blocking
// cannot be mixed.
moe.model @overlapmix hidden = 128, vocab = 1000 attributes {moe.layout = #moe.layout<tp = 2, pp = 1, vpp = 1, ep = 1, etp = 2, cp = 1, dp = 1, sp = true, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>, moe.training = #moe.training<seq = 4096, micro_batch = 1, global_batch = 1, precision = bf16, attention = flash>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 2, kv_heads = 2, head_dim = 64 {moe.overlap = #moe.overlap<sp_gather = fb>}
    // expected-error @+1 {{'moe.mlp' op keeps a communication blocking while another op's is overlapped with 'fb'}}
    moe.mlp ffn = 256, swiglu {moe.overlap = #moe.overlap<sp_gather = blocking>}
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}
