//===- LoadImbalance.cpp - expected expert load on the busiest rank -------===//
//
// Each rank's share of the routed token copies is treated as normal around
// its mean, with a variance from two sources: the routing skew (experts that
// are more popular than others in this micro-batch) and the sampling noise
// of routing a finite number of tokens. The busiest rank is then the mean
// plus the expected maximum of the ranks' deviations. The derivation and its
// assumptions are in docs/load-imbalance.md; the default skew comes from
// data/routing-skew.json.
//
//===----------------------------------------------------------------------===//

#include "moeplan/Cost/LoadImbalance.h"

#include "llvm/ADT/DenseMap.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <mutex>

namespace moeplan {

RoutingSkew defaultRoutingSkew() {
  // The median of the expert-load CVs that data/routing-skew.json derives
  // from published measurements ("derivation.derivedExpertCV" there).
  // LoadImbalanceTest checks that the two agree.
  RoutingSkew skew;
  skew.expertCV = 0.164;
  return skew;
}

namespace {

/// Gauss-Legendre nodes and weights on [-1, 1], found by Newton's method on
/// the Legendre polynomial so that no table of constants can be mistyped.
struct GaussLegendre {
  static constexpr int kOrder = 10;
  std::array<double, kOrder> nodes;
  std::array<double, kOrder> weights;

  GaussLegendre() {
    const double pi = std::acos(-1.0);
    for (int i = 0; i < kOrder; ++i) {
      double x = std::cos(pi * (i + 0.75) / (kOrder + 0.5));
      double derivative = 1;
      for (int iteration = 0; iteration < 100; ++iteration) {
        // P_n(x) and P_{n-1}(x) by the three-term recurrence.
        double previous = 1, current = x;
        for (int j = 2; j <= kOrder; ++j) {
          double next = ((2 * j - 1) * x * current - (j - 1) * previous) / j;
          previous = current;
          current = next;
        }
        derivative = kOrder * (x * current - previous) / (x * x - 1);
        double step = current / derivative;
        x -= step;
        if (std::abs(step) < 1e-16)
          break;
      }
      nodes[i] = x;
      weights[i] = 2 / ((1 - x * x) * derivative * derivative);
    }
  }
};

/// P(Z > x) for a standard normal Z, accurate far into the tail (std::erfc
/// sets no exception and needs none of Boost's error policies).
double upperTail(double x) { return 0.5 * std::erfc(x / std::sqrt(2.0)); }

/// E[max] = integral over x >= 0 of (1 - F(x)) - F(-x), F = Phi^n, written
/// with Phi(-x) = Q(x) so that neither term loses digits: the first is
/// -expm1(n log1p(-Q)), the second Q^n. The integrand is smooth and below
/// n Q(14) (negligible for any int64 n) beyond 14, so a composite
/// Gauss-Legendre rule on panels of 1/4 is exact to double precision; it
/// matches 1/sqrt(pi) (n = 2) and 3/(2 sqrt(pi)) (n = 3) to 1e-15.
double integrateExpectedMax(int64_t n) {
  static const GaussLegendre rule;
  constexpr double kUpper = 14.0;
  constexpr int kPanels = 56;
  const double width = kUpper / kPanels;
  const double count = double(n);
  double sum = 0;
  for (int panel = 0; panel < kPanels; ++panel) {
    double middle = (panel + 0.5) * width;
    double panelSum = 0;
    for (int i = 0; i < GaussLegendre::kOrder; ++i) {
      double x = middle + 0.5 * width * rule.nodes[i];
      double tail = upperTail(x);
      double aboveX = -std::expm1(count * std::log1p(-tail));
      double belowMinusX = tail > 0 ? std::exp(count * std::log(tail)) : 0;
      panelSum += rule.weights[i] * (aboveX - belowMinusX);
    }
    sum += panelSum * 0.5 * width;
  }
  return sum;
}

} // namespace

double expectedMaxOfStandardNormals(int64_t n) {
  if (n <= 1)
    return 0;
  // A plan search asks for the same few rank counts thousands of times a
  // second. Small n live in a lock-free table (zero means not computed yet:
  // every n >= 2 has a positive expectation); larger n, which a search
  // rarely meets, in a map behind a lock.
  constexpr int64_t kTableSize = 4096;
  static std::array<std::atomic<double>, kTableSize> table;
  if (n < kTableSize) {
    double cached = table[n].load(std::memory_order_relaxed);
    if (cached > 0)
      return cached;
    // Two threads may both integrate; they store the same value.
    double value = integrateExpectedMax(n);
    table[n].store(value, std::memory_order_relaxed);
    return value;
  }
  static std::mutex mutex;
  static llvm::DenseMap<int64_t, double> large;
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = large.find(n);
    if (it != large.end())
      return it->second;
  }
  double value = integrateExpectedMax(n);
  std::lock_guard<std::mutex> lock(mutex);
  large.try_emplace(n, value);
  return value;
}

double expectedMaxLoadFactor(int64_t tokens, int64_t topK, int64_t experts,
                             int64_t ranks, RoutingSkew skew) {
  if (tokens < 1 || topK < 1 || experts < 1 || ranks < 1)
    return 1;
  // One rank hosts every expert: it is the mean.
  if (ranks == 1)
    return 1;
  topK = std::min(topK, experts);
  double cv = skew.expertCV;
  if (std::isinf(cv) && cv > 0)
    return double(ranks);
  // Also maps NaN to 0.
  if (!(cv > 0))
    cv = 0;

  const double numExperts = double(experts);
  const double numRanks = double(ranks);
  const double copies = double(tokens) * double(topK);

  // The busiest rank's expected load over the mean rank load, for the
  // `hosts` ranks that hold `perRank` experts each.
  auto busiest = [&](int64_t perRank, int64_t hosts) -> double {
    if (perRank == 0 || hosts == 0)
      return 0;
    double share = double(perRank) / numExperts;
    // Deterministic part: a rank holding more experts than the average
    // (experts % ranks != 0, or ranks > experts) gets more copies.
    double meanRatio = share * numRanks;
    // A single such rank has no maximum to take over; its expectation is
    // its mean. This also covers experts == 1, where the variance below
    // would divide by zero.
    if (hosts == 1)
      return meanRatio;
    double mean = copies * share;
    // Relative variance of a rank's load (docs/load-imbalance.md):
    //  - skew: the rank's experts are perRank of the `experts` whose
    //    popularities have population CV cv; their mean varies as a sample
    //    drawn without replacement, cv^2 (E-g) / (g (E-1));
    //  - noise: each token puts a hypergeometric number of its topK copies
    //    on the rank, variance k (g/E)(1-g/E)(E-k)/(E-1) per token.
    // Both carry the factor 1 - g/E because rank loads add up to all
    // copies; dividing it out gives the variance of the independent normals
    // Y_r whose deviations Y_r - mean(Y) have exactly this covariance, and
    // E[max_r (Y_r - mean(Y))] = E[max_r Y_r]. For two ranks this turns
    // sqrt(2/pi) sigma (the exact E|X|) from 1/sqrt(pi) sigma.
    double skewVariance = cv * cv * numExperts / (perRank * (numExperts - 1));
    double noiseVariance =
        (numExperts - double(topK)) / ((numExperts - 1) * mean);
    double sigma = std::sqrt(skewVariance + noiseVariance);
    return meanRatio * (1 + expectedMaxOfStandardNormals(hosts) * sigma);
  };

  int64_t fewer = experts / ranks;
  int64_t withExtra = experts % ranks;
  double factor = std::max(busiest(fewer + 1, withExtra),
                           busiest(fewer, ranks - withExtra));
  // Never below the mean, never above every copy on one rank.
  return std::clamp(factor, 1.0, numRanks);
}

} // namespace moeplan
