// RUN: moe-opt %s -split-input-file -verify-diagnostics --ascend-verify-plan

// Without a cluster the checks that need no interpreter run; a plan with
// nothing recorded passes.
ascend.plan @unrecorded {
  shard.grid @world(shape = 1)
  ascend.schedule stages = 1, chunks = 1, micro_batches = 1
  ascend.stage_memory stage = 0, weights = 0, grads = 0, optimizer = 0
  ascend.program stage = 0, chunk = 0, forward {
    ascend.vector "embedding.lookup" flops = 0, bytes = 64
    ascend.save "embedding.token_ids" bytes = 8
  }
  ascend.program stage = 0, chunk = 0, backward {
    ascend.release "embedding.token_ids" bytes = 8
  }
}

// -----

// A recorded high-water mark is checked against the interpreter, which
// needs the cluster.
// expected-error @+1 {{the plan records its memory ('peak' or 'fits_in'); checking it needs the cluster: pass cluster=PRESET[:N]}}
ascend.plan @recorded {
  shard.grid @world(shape = 1)
  ascend.schedule stages = 1, chunks = 1, micro_batches = 1
  ascend.stage_memory stage = 0, weights = 0, grads = 0, optimizer = 0 {peak = 3000000008 : i64}
  ascend.program stage = 0, chunk = 0, forward {
    ascend.vector "embedding.lookup" flops = 0, bytes = 64
    ascend.save "embedding.token_ids" bytes = 8
  }
  ascend.program stage = 0, chunk = 0, backward {
    ascend.release "embedding.token_ids" bytes = 8
  }
}
