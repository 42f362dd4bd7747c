//===- LoadImbalance.h - expected expert load on the busiest rank ---------===//
//
// Dropless routing does not spread tokens evenly: the step waits for the
// expert-parallel rank that received the most. This models the expected
// maximum load across EP ranks for a given routing skew, so that MoE steps
// are not assumed perfectly balanced.
//
//===----------------------------------------------------------------------===//

#ifndef MOEPLAN_COST_LOADIMBALANCE_H
#define MOEPLAN_COST_LOADIMBALANCE_H

#include <cstdint>

namespace moeplan {

/// How unevenly a router spreads tokens over experts.
struct RoutingSkew {
  /// Coefficient of variation (population std / mean) of the tokens each
  /// expert receives in one micro-batch, beyond multinomial sampling noise.
  double expertCV = 0;
};

/// The default skew, from published measurements (see
/// data/routing-skew.json for the figures and their sources).
RoutingSkew defaultRoutingSkew();

/// The expected load of the busiest of `ranks` expert-parallel ranks,
/// relative to the mean rank load (>= 1), when `tokens` tokens each pick
/// `topK` of `experts` experts and each rank hosts experts / ranks experts.
/// `tokens` are the tokens routed together in one dispatch: those of one
/// micro-batch over the whole expert-parallel group. The model, its
/// assumptions and its limits are in docs/load-imbalance.md. Inputs are
/// guarded rather than asserted: tokens, topK, experts or ranks below 1 give
/// 1 (nothing to wait for), topK above experts counts as experts, a negative
/// or NaN skew counts as 0 and an infinite one as the worst case. When
/// ranks > experts the ranks without an expert stay idle, so the factor is
/// at least ranks / experts. The result never exceeds `ranks` (every copy
/// on one rank). Cheap: a few square roots and a cached integral.
double expectedMaxLoadFactor(int64_t tokens, int64_t topK, int64_t experts,
                             int64_t ranks, RoutingSkew skew);

/// E[max of n independent standard normal variables]: 0 for n = 1,
/// 1/sqrt(pi) for n = 2. Computed once per n by integrating
/// 1 - Phi(x)^n - Phi(-x)^n over x >= 0, then cached; n < 1 gives 0.
double expectedMaxOfStandardNormals(int64_t n);

} // namespace moeplan

#endif // MOEPLAN_COST_LOADIMBALANCE_H
