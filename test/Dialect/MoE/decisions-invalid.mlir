// RUN: moe-opt %s -split-input-file -verify-diagnostics --allow-unregistered-dialect

// One case per verifier message of the decision attributes.

// A decision attribute of the wrong kind names the attribute and the op.
// expected-error @+1 {{'moe.model' op attribute 'moe.layout' must be a #moe.layout<...>, got "tp=2"}}
moe.model @m hidden = 64, vocab = 16 attributes {moe.layout = "tp=2"} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// The training setup is a #moe.training.
// expected-error @+1 {{'moe.model' op attribute 'moe.training' must be a #moe.training<...>, got 4096 : i64}}
moe.model @m hidden = 64, vocab = 16 attributes {moe.training = 4096} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// A placement is a #moe.placement.
moe.model @m hidden = 64, vocab = 16 {
  // expected-error @+1 {{'moe.embedding' op attribute 'moe.placement' must be a #moe.placement<stage = S, chunk = C>, got "first"}}
  moe.embedding {moe.placement = "first"}
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// A placement goes on a pipeline unit, not inside a layer.
moe.model @m hidden = 64, vocab = 16 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    // expected-error @+1 {{'moe.attention' op attribute 'moe.placement' belongs on a pipeline unit (an op directly in a 'moe.model')}}
    moe.attention heads = 2, kv_heads = 2, head_dim = 32 {moe.placement = #moe.placement<stage = 0, chunk = 0>}
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// A placement lies within the model's layout.
moe.model @m hidden = 64, vocab = 16 attributes {moe.layout = #moe.layout<pp = 2, vpp = 1>} {
  moe.embedding
  // expected-error @+1 {{'moe.decoder_layer' op is placed on pipeline stage 2 but the layout has pp = 2}}
  moe.decoder_layer 0 attributes {moe.placement = #moe.placement<stage = 2, chunk = 0>} {
    moe.norm rms
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// A chunk lies within the model's virtual stages.
moe.model @m hidden = 64, vocab = 16 attributes {moe.layout = #moe.layout<pp = 2, vpp = 1>} {
  moe.embedding
  // expected-error @+1 {{'moe.decoder_layer' op is placed in chunk 1 but the layout has vpp = 1}}
  moe.decoder_layer 0 attributes {moe.placement = #moe.placement<stage = 0, chunk = 1>} {
    moe.norm rms
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// A memory choice names tensors the op saves.
moe.model @m hidden = 64, vocab = 16 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    // expected-error @+1 {{'moe.attention' op does not save a tensor 'scores' (in 'moe.memory'); it saves qkv_input, q, kv, core_output, softmax_lse}}
    moe.attention heads = 2, kv_heads = 2, head_dim = 32 {moe.memory = #moe.memory<scores = recompute>}
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// A memory choice goes on an op that saves tensors.
moe.model @m hidden = 64, vocab = 16 {
  moe.embedding
  // expected-error @+1 {{'moe.decoder_layer' op saves no tensors for backward, so attribute 'moe.memory' does not apply}}
  moe.decoder_layer 0 attributes {moe.memory = #moe.memory<input = keep>} {
    moe.norm rms
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// A memory decision is a #moe.memory.
moe.model @m hidden = 64, vocab = 16 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    // expected-error @+1 {{'moe.attention' op attribute 'moe.memory' must be a #moe.memory<tensor = keep|recompute|swap, ...>, got "recompute"}}
    moe.attention heads = 2, kv_heads = 2, head_dim = 32 {moe.memory = "recompute"}
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// An overlap decision is a #moe.overlap.
moe.model @m hidden = 64, vocab = 16 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    // expected-error @+1 {{'moe.attention' op attribute 'moe.overlap' must be a #moe.overlap<communication = blocking|fb, ...>, got true}}
    moe.attention heads = 2, kv_heads = 2, head_dim = 32 {moe.overlap = true}
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// An overlap decision goes on a leaf op.
moe.model @m hidden = 64, vocab = 16 {
  moe.embedding
  // expected-error @+1 {{'moe.decoder_layer' op attribute 'moe.overlap' belongs on a leaf op of a model}}
  moe.decoder_layer 0 attributes {moe.overlap = #moe.overlap<all_to_all = fb>} {
    moe.norm rms
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// The dialect's attributes are its decisions; anything else is a typo.
moe.model @m hidden = 64, vocab = 16 {
  moe.embedding
  // expected-error @+1 {{'moe.decoder_layer' op has unknown attribute 'moe.stage'; the moe dialect's decisions are moe.layout, moe.training, moe.placement, moe.memory and moe.overlap}}
  moe.decoder_layer 0 attributes {moe.stage = 3 : i64} {
    moe.norm rms
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// The importer's record of defaulted keys is a dictionary on the model.
moe.model @m hidden = 64, vocab = 16 {
  // expected-error @+1 {{'moe.embedding' op attribute 'moe.hf_defaults' must be a dictionary on a 'moe.model'}}
  moe.embedding {moe.hf_defaults = {head_dim = 64}}
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// On a model, moe.memory decides the optimizer state only.
// expected-error @+1 {{'moe.model' op 'moe.memory' on a model decides only 'optimizer', got 'q'}}
moe.model @m hidden = 64, vocab = 16 attributes {moe.memory = #moe.memory<q = keep>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// The optimizer state is kept or swapped, never recomputed.
// expected-error @+1 {{'moe.model' op cannot recompute its optimizer state; keep or swap it}}
moe.model @m hidden = 64, vocab = 16 attributes {moe.memory = #moe.memory<optimizer = recompute>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// A decision on an op outside its place is an error, not a crash: here an unregistered op.
moe.model @m hidden = 64, vocab = 16 {
  moe.embedding
  // expected-error @+1 {{'test.op' op attribute 'moe.overlap' belongs on a leaf op of a model}}
  "test.op"() {moe.overlap = #moe.overlap<a = fb>} : () -> ()
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// The layout and the training setup belong on the model.
moe.model @m hidden = 64, vocab = 16 {
  // expected-error @+1 {{'moe.embedding' op attribute 'moe.layout' belongs on a 'moe.model'}}
  moe.embedding {moe.layout = #moe.layout<tp = 2>}
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// A layout's options are true or false.
// expected-error @+1 {{expected true or false}}
moe.model @m hidden = 64, vocab = 16 attributes {moe.layout = #moe.layout<sp = yes>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// Layout sizes are not negative (0 is open).
// expected-error @+1 {{layout 'tp' must not be negative (0 is open), got -2}}
moe.model @m hidden = 64, vocab = 16 attributes {moe.layout = #moe.layout<tp = -2>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// TP-extended EP holds whole experts.
// expected-error @+1 {{layout with tp_extend_ep spreads experts over TP x EP ranks and needs etp = 1, got 2}}
moe.model @m hidden = 64, vocab = 16 attributes {moe.layout = #moe.layout<etp = 2, tp_extend_ep = true>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// The expert group folds over the attention devices.
// expected-error @+1 {{layout: the expert group EP x ETP must divide TP x CP x DP = 4}}
moe.model @m hidden = 64, vocab = 16 attributes {moe.layout = #moe.layout<tp = 2, pp = 1, vpp = 1, ep = 8, etp = 1, cp = 1, dp = 2, sp = true, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// Huge sizes are an error, not a wrap.
// expected-error @+1 {{layout sizes overflow 64 bits}}
moe.model @m hidden = 64, vocab = 16 attributes {moe.layout = #moe.layout<tp = 4294967296, cp = 4294967296, dp = 4294967296, ep = 1, etp = 1>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// A layout has these fields and no others.
// expected-error @+1 {{#moe.layout has no field 'tensor'; its fields are tp, pp, vpp, ep, etp, cp, dp, sp, tp_extend_ep, hierarchical_a2a, distributed_optimizer}}
moe.model @m hidden = 64, vocab = 16 attributes {moe.layout = #moe.layout<tensor = 2>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// A field is given once.
// expected-error @+1 {{#moe.layout gives 'tp' twice}}
moe.model @m hidden = 64, vocab = 16 attributes {moe.layout = #moe.layout<tp = 2, tp = 4>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// Training sizes are not negative.
// expected-error @+1 {{training 'seq' must not be negative (0 is open), got -1}}
moe.model @m hidden = 64, vocab = 16 attributes {moe.training = #moe.training<seq = -1>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// The global batch is whole micro-batches.
// expected-error @+1 {{training 'global_batch' (10) must be a multiple of 'micro_batch' (4)}}
moe.model @m hidden = 64, vocab = 16 attributes {moe.training = #moe.training<micro_batch = 4, global_batch = 10>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// The precision is bf16 or fp8.
// expected-error @+1 {{'precision' must be bf16 or fp8, got 'fp4'}}
moe.model @m hidden = 64, vocab = 16 attributes {moe.training = #moe.training<precision = fp4>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// The attention core is flash or unfused.
// expected-error @+1 {{'attention' must be flash or unfused, got 'fused'}}
moe.model @m hidden = 64, vocab = 16 attributes {moe.training = #moe.training<attention = fused>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// The routing skew is a coefficient of variation.
// expected-error @+1 {{training 'routing_skew' must be a coefficient of variation from 0 to 10, got -5.000000e-01}}
moe.model @m hidden = 64, vocab = 16 attributes {moe.training = #moe.training<routing_skew = -0.5>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// A training setup has these fields and no others.
// expected-error @+1 {{#moe.training has no field 'batch'; its fields are seq, micro_batch, global_batch, precision, attention, routing_skew}}
moe.model @m hidden = 64, vocab = 16 attributes {moe.training = #moe.training<batch = 8>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// Placements are not negative.
moe.model @m hidden = 64, vocab = 16 {
  // expected-error @+1 {{placement stage and chunk must not be negative, got stage -1, chunk 0}}
  moe.embedding {moe.placement = #moe.placement<stage = -1, chunk = 0>}
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// A memory choice is keep, recompute or swap.
moe.model @m hidden = 64, vocab = 16 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    // expected-error @+1 {{'q' must be keep, recompute or swap, got 'drop'}}
    moe.attention heads = 2, kv_heads = 2, head_dim = 32 {moe.memory = #moe.memory<q = drop>}
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// A tensor is decided once.
moe.model @m hidden = 64, vocab = 16 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    // expected-error @+1 {{#moe.memory gives 'q' twice}}
    moe.attention heads = 2, kv_heads = 2, head_dim = 32 {moe.memory = #moe.memory<q = keep, q = swap>}
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// An overlap choice is blocking or fb.
moe.model @m hidden = 64, vocab = 16 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    // expected-error @+1 {{'sp_gather' must be blocking or fb, got 'async'}}
    moe.attention heads = 2, kv_heads = 2, head_dim = 32 {moe.overlap = #moe.overlap<sp_gather = async>}
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// A dispatch outside a layer: its own verifier says so; the decision on it
// does not crash the attribute's check first.
moe.model @m hidden = 64, vocab = 16 {
  moe.embedding
  // expected-error @+1 {{'moe.dispatch' op saves no tensors for backward, so attribute 'moe.memory' does not apply}}
  moe.dispatch {moe.memory = #moe.memory<permuted_probs = keep>}
  moe.decoder_layer 0 {
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// A norm outside any model.
// expected-error @+1 {{'moe.norm' op saves no tensors for backward, so attribute 'moe.memory' does not apply}}
moe.norm rms {moe.memory = #moe.memory<input = keep>}
