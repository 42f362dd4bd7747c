// RUN: moe-opt %s -split-input-file -verify-diagnostics --allow-unregistered-dialect

// One case per verifier message of the moe dialect.

// Sizes must be positive.
// expected-error @+1 {{attribute 'hidden_size' failed to satisfy constraint: positive size}}
moe.model @m hidden = 0, vocab = 100 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// A negative size is reported as negative, not wrapped.
// expected-error @+1 {{attribute 'vocab_size' failed to satisfy constraint: positive size}}
moe.model @m hidden = 256, vocab = -100 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// Layer indices are non-negative.
moe.model @m hidden = 256, vocab = 100 {
  moe.embedding
  // expected-error @+1 {{attribute 'index' failed to satisfy constraint: non-negative index}}
  moe.decoder_layer -1 {
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// Head counts must be positive.
moe.model @m hidden = 256, vocab = 100 {
  moe.embedding
  moe.decoder_layer 0 {
    // expected-error @+1 {{attribute 'num_kv_heads' failed to satisfy constraint: positive size}}
    moe.attention heads = 4, kv_heads = 0, head_dim = 64
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// Heads must divide evenly into KV groups.
moe.model @m hidden = 256, vocab = 100 {
  moe.embedding
  moe.decoder_layer 0 {
    // expected-error @+1 {{'num_heads' (6) must be a multiple of 'num_kv_heads' (4)}}
    moe.attention heads = 6, kv_heads = 4, head_dim = 64
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// MLA ranks must be positive.
moe.model @m hidden = 256, vocab = 100 {
  moe.embedding
  moe.decoder_layer 0 {
    // expected-error @+1 {{attribute 'q_lora_rank' failed to satisfy constraint: positive size}}
    moe.mla_attention heads = 4, kv_lora = 64, qk_nope = 32, qk_rope = 16, v = 32, q_lora = 0
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// FFN sizes must be positive.
moe.model @m hidden = 256, vocab = 100 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    // expected-error @+1 {{attribute 'ffn_size' failed to satisfy constraint: positive size}}
    moe.mlp ffn = -64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// Unknown activations are rejected by name.
moe.model @m hidden = 256, vocab = 100 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'activation' [swiglu, geglu, gelu, relu, silu]}}
    moe.mlp ffn = 64, tanh
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// top-k cannot exceed the number of experts.
moe.model @m hidden = 256, vocab = 100 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    // expected-error @+1 {{'top_k' (9) must not exceed 'num_experts' (8)}}
    moe.router experts = 8, top_k = 9
    moe.dispatch
    moe.experts count = 8, ffn = 64, swiglu
    moe.combine
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// top-k must be positive.
moe.model @m hidden = 256, vocab = 100 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    // expected-error @+1 {{attribute 'top_k' failed to satisfy constraint: positive size}}
    moe.router experts = 8, top_k = 0
    moe.dispatch
    moe.experts count = 8, ffn = 64, swiglu
    moe.combine
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// The router and the experts agree on the expert count.
moe.model @m hidden = 256, vocab = 100 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    // expected-error @+1 {{routes over 8 experts but the layer's 'moe.experts' has 4}}
    moe.router experts = 8, top_k = 2
    moe.dispatch
    moe.experts count = 4, ffn = 64, swiglu
    moe.combine
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// Shared experts need a positive count.
moe.model @m hidden = 256, vocab = 100 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    moe.router experts = 8, top_k = 2
    moe.dispatch
    moe.experts count = 8, ffn = 64, swiglu
    moe.combine
    // expected-error @+1 {{attribute 'count' failed to satisfy constraint: positive size}}
    moe.shared_experts count = 0, ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// Leaf ops live in their container.
moe.model @m hidden = 256, vocab = 100 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 64, swiglu
  }
  // expected-error @+1 {{'moe.router' op expects parent op 'moe.decoder_layer'}}
  moe.router experts = 8, top_k = 2
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// Foreign ops are not part of a model.
moe.model @m hidden = 256, vocab = 100 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 64, swiglu
  }
  // expected-error @+1 {{'test.op' op is not allowed directly in a 'moe.model'}}
  "test.op"() : () -> ()
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// Model parts come in order.
moe.model @m hidden = 256, vocab = 100 {
  moe.embedding
  moe.norm rms
  // expected-error @+1 {{'moe.decoder_layer' op is out of order: a model is: embedding, decoder layers, final norm, MTP layers, lm_head, loss}}
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 64, swiglu
  }
  moe.lm_head
  moe.loss
}

// -----

// A model has one embedding.
moe.model @m hidden = 256, vocab = 100 {
  moe.embedding
  // expected-error @+1 {{'moe.embedding' op appears twice; a model has one 'moe.embedding'}}
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// Decoder layers are numbered from 0.
moe.model @m hidden = 256, vocab = 100 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 64, swiglu
  }
  // expected-error @+1 {{'moe.decoder_layer' op has index 2, expected 1 (decoder layers are numbered from 0)}}
  moe.decoder_layer 2 {
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// MTP layers are numbered from 0.
moe.model @m hidden = 256, vocab = 100 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  // expected-error @+1 {{'moe.mtp_layer' op has index 1, expected 0 (MTP layers are numbered from 0)}}
  moe.mtp_layer 1 {
    moe.norm rms
    moe.norm rms
    moe.mtp_projection
    moe.decoder_layer 0 {
      moe.attention heads = 4, kv_heads = 2, head_dim = 64
      moe.mlp ffn = 64, swiglu
    }
    moe.norm rms
  }
  moe.lm_head
  moe.loss
}

// -----

// A model needs its head.
// expected-error @+1 {{'moe.model' op has no 'moe.lm_head'; a model is: embedding, decoder layers, final norm, MTP layers, lm_head, loss}}
moe.model @m hidden = 256, vocab = 100 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.loss
}

// -----

// A model needs decoder layers.
// expected-error @+1 {{'moe.model' op has no 'moe.decoder_layer'; a model is: embedding, decoder layers, final norm, MTP layers, lm_head, loss}}
moe.model @m hidden = 256, vocab = 100 {
  moe.embedding
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// The FFN follows attention.
moe.model @m hidden = 256, vocab = 100 {
  moe.embedding
  moe.decoder_layer 0 {
    // expected-error @+1 {{'moe.mlp' op must follow the layer's attention op}}
    moe.mlp ffn = 64, swiglu
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// A layer has one attention op.
moe.model @m hidden = 256, vocab = 100 {
  moe.embedding
  // expected-error @+1 {{'moe.decoder_layer' op needs exactly one attention op ('moe.attention' or 'moe.mla_attention'), found 2}}
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// A layer without attention.
moe.model @m hidden = 256, vocab = 100 {
  moe.embedding
  // expected-error @+1 {{'moe.decoder_layer' op needs exactly one attention op ('moe.attention' or 'moe.mla_attention'), found 0}}
  moe.decoder_layer 0 {
    moe.norm rms
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// Foreign ops are not part of a layer.
moe.model @m hidden = 256, vocab = 100 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 64, swiglu
    // expected-error @+1 {{'test.op' op is not allowed in a 'moe.decoder_layer'}}
    "test.op"() : () -> ()
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// MoE ops come in order.
moe.model @m hidden = 256, vocab = 100 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    // expected-error @+1 {{'moe.dispatch' op is out of order: an MoE block is router, dispatch, experts, combine}}
    moe.dispatch
    moe.router experts = 8, top_k = 2
    moe.experts count = 8, ffn = 64, swiglu
    moe.combine
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// Dense or MoE, not both.
moe.model @m hidden = 256, vocab = 100 {
  moe.embedding
  // expected-error @+1 {{'moe.decoder_layer' op has both a dense 'moe.mlp' and MoE ops; a layer is either dense or MoE}}
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 64, swiglu
    moe.router experts = 8, top_k = 2
    moe.dispatch
    moe.experts count = 8, ffn = 64, swiglu
    moe.combine
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// One dense MLP per layer.
moe.model @m hidden = 256, vocab = 100 {
  moe.embedding
  // expected-error @+1 {{'moe.decoder_layer' op has 2 'moe.mlp' ops, expected one}}
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 64, swiglu
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// A layer needs a feed-forward part.
moe.model @m hidden = 256, vocab = 100 {
  moe.embedding
  // expected-error @+1 {{'moe.decoder_layer' op has no feed-forward part: add a 'moe.mlp' or a router, dispatch, experts, combine sequence}}
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// An MoE block is complete.
moe.model @m hidden = 256, vocab = 100 {
  moe.embedding
  // expected-error @+1 {{'moe.decoder_layer' op has an incomplete MoE block: expected one each of 'moe.router', 'moe.dispatch', 'moe.experts', 'moe.combine'}}
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    moe.router experts = 8, top_k = 2
    moe.dispatch
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// Shared experts are one op.
moe.model @m hidden = 256, vocab = 100 {
  moe.embedding
  // expected-error @+1 {{'moe.decoder_layer' op has 2 'moe.shared_experts' ops; use one with count = N}}
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    moe.router experts = 8, top_k = 2
    moe.dispatch
    moe.experts count = 8, ffn = 64, swiglu
    moe.combine
    moe.shared_experts count = 1, ffn = 64, swiglu
    moe.shared_experts count = 1, ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// The MTP block follows its projection.
moe.model @m hidden = 256, vocab = 100 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.mtp_layer 0 {
    moe.norm rms
    // expected-error @+1 {{'moe.decoder_layer' op must follow the MTP layer's 'moe.mtp_projection'}}
    moe.decoder_layer 0 {
      moe.attention heads = 4, kv_heads = 2, head_dim = 64
      moe.mlp ffn = 64, swiglu
    }
    moe.mtp_projection
  }
  moe.lm_head
  moe.loss
}

// -----

// An MTP layer has one projection and one block.
moe.model @m hidden = 256, vocab = 100 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  // expected-error @+1 {{'moe.mtp_layer' op needs one 'moe.mtp_projection' and one 'moe.decoder_layer', found 1 and 0}}
  moe.mtp_layer 0 {
    moe.norm rms
    moe.mtp_projection
  }
  moe.lm_head
  moe.loss
}

// -----

// Foreign ops are not part of an MTP layer.
moe.model @m hidden = 256, vocab = 100 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.mtp_layer 0 {
    moe.norm rms
    moe.norm rms
    moe.mtp_projection
    moe.decoder_layer 0 {
      moe.attention heads = 4, kv_heads = 2, head_dim = 64
      moe.mlp ffn = 64, swiglu
    }
    moe.norm rms
    // expected-error @+1 {{'test.op' op is not allowed in a 'moe.mtp_layer'}}
    "test.op"() : () -> ()
  }
  moe.lm_head
  moe.loss
}

// -----

// The MTP projection lives in an MTP layer.
moe.model @m hidden = 256, vocab = 100 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 64, swiglu
    // expected-error @+1 {{'moe.mtp_projection' op expects parent op 'moe.mtp_layer'}}
    moe.mtp_projection
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}
