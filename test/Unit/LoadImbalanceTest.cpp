//===- LoadImbalanceTest.cpp - expected load on the busiest EP rank -------===//
//
// Closed forms where they exist (the expected maximum of two and three
// normals, the two-rank case), Monte-Carlo estimates with a fixed seed where
// they do not, and the default skew against data/routing-skew.json.
//
//===----------------------------------------------------------------------===//

#include "moeplan/Cost/LoadImbalance.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

using namespace moeplan;

namespace {

const double kPi = std::acos(-1.0);

RoutingSkew skewOf(double cv) {
  RoutingSkew skew;
  skew.expertCV = cv;
  return skew;
}

//===----------------------------------------------------------------------===//
// E[max of n standard normals]
//===----------------------------------------------------------------------===//

TEST(ExpectedMaxOfNormals, ClosedForms) {
  EXPECT_EQ(expectedMaxOfStandardNormals(1), 0.0);
  EXPECT_EQ(expectedMaxOfStandardNormals(0), 0.0);
  // E[max(X, Y)] = E|X - Y| / 2 = 1 / sqrt(pi).
  EXPECT_NEAR(expectedMaxOfStandardNormals(2), 1 / std::sqrt(kPi), 1e-12);
  EXPECT_NEAR(expectedMaxOfStandardNormals(2), 0.5641895835, 1e-10);
  // E[max of 3] = 3 / (2 sqrt(pi)).
  EXPECT_NEAR(expectedMaxOfStandardNormals(3), 3 / (2 * std::sqrt(kPi)), 1e-12);
  EXPECT_NEAR(expectedMaxOfStandardNormals(3), 0.8462843753, 1e-10);
}

TEST(ExpectedMaxOfNormals, TabulatedValues) {
  // Harter (1961) tables, and an independent composite Simpson integration
  // (step 7e-5) of the same integral for n = 64.
  EXPECT_NEAR(expectedMaxOfStandardNormals(4), 1.0293753730, 1e-9);
  EXPECT_NEAR(expectedMaxOfStandardNormals(5), 1.1629644736, 1e-9);
  EXPECT_NEAR(expectedMaxOfStandardNormals(10), 1.5387527308, 1e-9);
  EXPECT_NEAR(expectedMaxOfStandardNormals(64), 2.3437334651, 1e-9);
  EXPECT_NEAR(expectedMaxOfStandardNormals(100), 2.5075936364, 1e-9);
}

TEST(ExpectedMaxOfNormals, GrowsLikeSqrtTwoLogN) {
  double previous = 0;
  for (int64_t n : {2, 8, 64, 512, 4095, 4096, 5000, 100000, 10000000}) {
    double value = expectedMaxOfStandardNormals(n);
    EXPECT_GT(value, previous) << "n = " << n;
    EXPECT_LT(value, std::sqrt(2 * std::log(double(n)))) << "n = " << n;
    previous = value;
  }
  // Cached values are the computed ones, in the table and beyond it.
  EXPECT_EQ(expectedMaxOfStandardNormals(64), expectedMaxOfStandardNormals(64));
  EXPECT_EQ(expectedMaxOfStandardNormals(100000),
            expectedMaxOfStandardNormals(100000));
}

//===----------------------------------------------------------------------===//
// The load factor: exact cases and shape
//===----------------------------------------------------------------------===//

TEST(LoadImbalance, OneRankIsTheMean) {
  for (double cv : {0.0, 0.164, 1.0, 10.0})
    EXPECT_EQ(expectedMaxLoadFactor(4096, 8, 256, 1, skewOf(cv)), 1.0);
}

TEST(LoadImbalance, TwoRanksTwoExpertsIsExact) {
  // Top-1 of two experts, one per rank, no skew: rank 0 receives
  // Binomial(T, 1/2) copies, the busiest T/2 + E|Binomial - T/2|, and
  // E|B - T/2| -> sqrt(T / (2 pi)) for large T, so the factor is
  // 1 + sqrt(2 / (pi T)). T = 10000: 1.0079788456.
  double factor = expectedMaxLoadFactor(10000, 1, 2, 2, skewOf(0));
  EXPECT_NEAR(factor, 1 + std::sqrt(2 / (kPi * 10000)), 1e-12);
  EXPECT_NEAR(factor, 1.0079788456, 1e-9);
}

TEST(LoadImbalance, HandComputedSkewAndNoise) {
  // E = 256, k = 8, R = 32 (Pangu Ultra MoE's TP-extended EP), T = 8192,
  // cv = 0.2: g = 8 experts a rank, M = T k / R = 2048 copies a rank.
  //   skew  cv^2 E / (g (E - 1)) = 0.04 * 256 / (8 * 255) = 0.0050196078
  //   noise (E - k) / ((E - 1) M) = 248 / (255 * 2048) = 0.0004748775
  //   sigma = sqrt(0.0054944853) = 0.0741248...
  //   factor = 1 + E[max of 32] sigma = 1 + 2.0696688279 * 0.0741248
  double sigma = std::sqrt(0.04 * 256 / (8.0 * 255) + 248 / (255.0 * 2048));
  double expected = 1 + expectedMaxOfStandardNormals(32) * sigma;
  EXPECT_NEAR(expected, 1.15341, 1e-5);
  EXPECT_NEAR(expectedMaxLoadFactor(8192, 8, 256, 32, skewOf(0.2)), expected,
              1e-12);
}

TEST(LoadImbalance, NoSkewManyTokensIsBalanced) {
  double factor = expectedMaxLoadFactor(int64_t(1e12), 8, 256, 32, skewOf(0));
  EXPECT_GE(factor, 1.0);
  EXPECT_NEAR(factor, 1.0, 1e-5);
  // Every token on every expert: all ranks receive exactly the same.
  EXPECT_EQ(expectedMaxLoadFactor(100, 16, 16, 4, skewOf(0)), 1.0);
}

TEST(LoadImbalance, GrowsWithRanks) {
  double previous = 1;
  for (int64_t ranks : {2, 4, 8, 16, 32, 64, 128, 256}) {
    double factor = expectedMaxLoadFactor(16384, 8, 256, ranks, skewOf(0.164));
    EXPECT_GT(factor, previous) << "ranks = " << ranks;
    previous = factor;
  }
}

TEST(LoadImbalance, GrowsWithSkew) {
  double previous = 1;
  for (double cv : {0.0, 0.05, 0.1, 0.2, 0.4, 0.8}) {
    double factor = expectedMaxLoadFactor(16384, 8, 256, 32, skewOf(cv));
    EXPECT_GT(factor, previous) << "cv = " << cv;
    previous = factor;
  }
}

TEST(LoadImbalance, ShrinksWithTokens) {
  double previous = 1e300;
  for (int64_t tokens : {64, 512, 4096, 32768, 262144}) {
    double factor = expectedMaxLoadFactor(tokens, 8, 256, 32, skewOf(0.1));
    EXPECT_LT(factor, previous) << "tokens = " << tokens;
    previous = factor;
  }
  // With many tokens only the skew is left: 1 + E[max 32] cv sqrt(R/(E-1))
  // (g = E / R), the skew term of HandComputedSkewAndNoise.
  double skewOnly =
      1 + expectedMaxOfStandardNormals(32) * 0.1 * std::sqrt(256 / (8.0 * 255));
  EXPECT_NEAR(expectedMaxLoadFactor(int64_t(1e15), 8, 256, 32, skewOf(0.1)),
              skewOnly, 1e-6);
}

TEST(LoadImbalance, CappedAtAllCopiesOnOneRank) {
  EXPECT_EQ(expectedMaxLoadFactor(16, 1, 64, 8, skewOf(1e6)), 8.0);
  EXPECT_EQ(expectedMaxLoadFactor(
                16, 1, 64, 8, skewOf(std::numeric_limits<double>::infinity())),
            8.0);
  EXPECT_LE(expectedMaxLoadFactor(1, 1, 64, 64, skewOf(0)), 64.0);
}

TEST(LoadImbalance, GuardsInputs) {
  RoutingSkew skew = skewOf(0.2);
  EXPECT_EQ(expectedMaxLoadFactor(0, 8, 256, 32, skew), 1.0);
  EXPECT_EQ(expectedMaxLoadFactor(-5, 8, 256, 32, skew), 1.0);
  EXPECT_EQ(expectedMaxLoadFactor(4096, 0, 256, 32, skew), 1.0);
  EXPECT_EQ(expectedMaxLoadFactor(4096, 8, 0, 32, skew), 1.0);
  EXPECT_EQ(expectedMaxLoadFactor(4096, 8, 256, 0, skew), 1.0);
  // topK above experts counts as every expert.
  EXPECT_EQ(expectedMaxLoadFactor(4096, 300, 256, 32, skew),
            expectedMaxLoadFactor(4096, 256, 256, 32, skew));
  // A negative or NaN skew counts as none.
  EXPECT_EQ(expectedMaxLoadFactor(4096, 8, 256, 32, skewOf(-1)),
            expectedMaxLoadFactor(4096, 8, 256, 32, skewOf(0)));
  EXPECT_EQ(
      expectedMaxLoadFactor(4096, 8, 256, 32,
                            skewOf(std::numeric_limits<double>::quiet_NaN())),
      expectedMaxLoadFactor(4096, 8, 256, 32, skewOf(0)));
  // One expert: whichever rank hosts it receives everything.
  EXPECT_EQ(expectedMaxLoadFactor(4096, 1, 1, 4, skew), 4.0);
}

TEST(LoadImbalance, MoreRanksThanExpertsLeavesRanksIdle) {
  // 8 ranks, 4 experts: 4 ranks idle, so even perfectly balanced experts
  // put twice the mean rank load on the busiest rank.
  EXPECT_NEAR(expectedMaxLoadFactor(int64_t(1e15), 2, 4, 8, skewOf(0)), 2.0,
              1e-6);
  EXPECT_GT(expectedMaxLoadFactor(1024, 2, 4, 8, skewOf(0.2)),
            expectedMaxLoadFactor(1024, 2, 4, 4, skewOf(0.2)));
}

TEST(LoadImbalance, UnevenSplitCountsTheExtraExpert) {
  // 3 experts on 2 ranks: one rank holds 2 of 3 experts, 4/3 of the mean.
  EXPECT_NEAR(expectedMaxLoadFactor(int64_t(1e15), 1, 3, 2, skewOf(0)), 4.0 / 3,
              1e-6);
}

//===----------------------------------------------------------------------===//
// Against Monte Carlo
//===----------------------------------------------------------------------===//

/// The mean over `trials` of the busiest rank's load over the mean rank
/// load, when each of `tokens` tokens picks `topK` distinct experts. Expert
/// popularities are 1 + cv z with z standard normal, drawn afresh in every
/// trial (the skew the model assumes: exchangeable over experts); experts
/// are placed on ranks in contiguous blocks.
double monteCarloFactor(int tokens, int topK, int experts, int ranks, double cv,
                        int trials, std::mt19937 &random) {
  std::normal_distribution<double> normal;
  std::vector<double> weights(experts);
  std::vector<int> perRank(ranks);
  std::vector<int> picked;
  double sum = 0;
  const int perRankExperts = experts / ranks;
  for (int trial = 0; trial < trials; ++trial) {
    for (double &weight : weights)
      weight = std::max(0.0, 1 + cv * normal(random));
    std::discrete_distribution<int> pick(weights.begin(), weights.end());
    std::fill(perRank.begin(), perRank.end(), 0);
    for (int token = 0; token < tokens; ++token) {
      picked.clear();
      while (int(picked.size()) < topK) {
        int expert = pick(random);
        if (std::find(picked.begin(), picked.end(), expert) == picked.end())
          picked.push_back(expert);
      }
      for (int expert : picked)
        ++perRank[expert / perRankExperts];
    }
    double mean = double(tokens) * topK / ranks;
    sum += *std::max_element(perRank.begin(), perRank.end()) / mean;
  }
  return sum / trials;
}

TEST(LoadImbalance, MatchesMonteCarloWithoutSkew) {
  // Pure routing noise: 512 tokens, top-6 of 64 experts, 8 ranks.
  std::mt19937 random(20250517);
  double simulated = monteCarloFactor(512, 6, 64, 8, 0.0, 2000, random);
  double model = expectedMaxLoadFactor(512, 6, 64, 8, skewOf(0));
  EXPECT_NEAR(model, 1.0697, 1e-4);
  // The factor to 1%, its excess over 1 to 10%.
  EXPECT_NEAR(model, simulated, 0.01 * simulated);
  EXPECT_NEAR(model - 1, simulated - 1, 0.1 * (simulated - 1));
}

TEST(LoadImbalance, MatchesMonteCarloWithSkew) {
  // Skew dominating noise: 4096 tokens, top-2 of 64 experts, 8 ranks,
  // popularity CV 0.3. The model's cv is the population CV (ddof 0) a user
  // would measure from one trial's loads, whose expectation for 64 draws of
  // CV 0.3 is 0.3 sqrt(63/64).
  std::mt19937 random(7);
  double simulated = monteCarloFactor(4096, 2, 64, 8, 0.3, 2000, random);
  double model =
      expectedMaxLoadFactor(4096, 2, 64, 8, skewOf(0.3 * std::sqrt(63.0 / 64)));
  EXPECT_NEAR(model, simulated, 0.01 * simulated);
  EXPECT_NEAR(model - 1, simulated - 1, 0.1 * (simulated - 1));
}

//===----------------------------------------------------------------------===//
// The default skew and its data
//===----------------------------------------------------------------------===//

/// data/routing-skew.json, parsed; a null value after a test failure.
llvm::json::Value loadRoutingSkewData() {
  std::string path = std::string(MOE_DATA_DIR) + "/routing-skew.json";
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer) {
    ADD_FAILURE() << "cannot read " << path;
    return nullptr;
  }
  llvm::Expected<llvm::json::Value> parsed =
      llvm::json::parse((*buffer)->getBuffer());
  if (!parsed) {
    ADD_FAILURE() << path << ": " << llvm::toString(parsed.takeError());
    return nullptr;
  }
  return std::move(*parsed);
}

TEST(RoutingSkewData, DefaultIsTheDerivedValue) {
  llvm::json::Value data = loadRoutingSkewData();
  const llvm::json::Object *root = data.getAsObject();
  ASSERT_TRUE(root);
  const llvm::json::Object *derivation = root->getObject("derivation");
  ASSERT_TRUE(derivation);
  std::optional<double> derived = derivation->getNumber("derivedExpertCV");
  ASSERT_TRUE(derived);
  EXPECT_DOUBLE_EQ(defaultRoutingSkew().expertCV, *derived);
}

TEST(RoutingSkewData, DerivedValueIsTheMedianOfTheEntries) {
  llvm::json::Value data = loadRoutingSkewData();
  const llvm::json::Object *root = data.getAsObject();
  ASSERT_TRUE(root);
  const llvm::json::Array *entries = root->getArray("entries");
  ASSERT_TRUE(entries);
  std::vector<double> used;
  for (const llvm::json::Value &value : *entries) {
    const llvm::json::Object *entry = value.getAsObject();
    ASSERT_TRUE(entry);
    std::optional<llvm::StringRef> source = entry->getString("source");
    ASSERT_TRUE(source && !source->empty());
    ASSERT_TRUE(entry->getBoolean("assumption").has_value());
    if (*entry->getBoolean("assumption")) {
      EXPECT_TRUE(entry->getString("why")) << source->str();
    }
    std::optional<double> cv = entry->getNumber("expertCV");
    ASSERT_TRUE(cv);
    if (entry->getBoolean("usedInMedian").value_or(false))
      used.push_back(*cv);
  }
  ASSERT_GE(used.size(), 5u) << "the default must rest on several figures";
  std::sort(used.begin(), used.end());
  size_t half = used.size() / 2;
  double median =
      used.size() % 2 ? used[half] : (used[half - 1] + used[half]) / 2;
  const llvm::json::Object *derivation = root->getObject("derivation");
  ASSERT_TRUE(derivation);
  EXPECT_NEAR(*derivation->getNumber("median"), median, 1e-9);
  EXPECT_NEAR(*derivation->getNumber("derivedExpertCV"), median, 5e-4);
}

TEST(RoutingSkewData, EntriesFollowTheirConversion) {
  // Each entry's expertCV is recomputed from its measured value by the
  // conversion the file describes, to the 4 decimals it is written with.
  llvm::json::Value data = loadRoutingSkewData();
  const llvm::json::Object *root = data.getAsObject();
  ASSERT_TRUE(root);
  const double phi0 = 1 / std::sqrt(2 * kPi);
  for (const llvm::json::Value &value : *root->getArray("entries")) {
    const llvm::json::Object *entry = value.getAsObject();
    ASSERT_TRUE(entry);
    std::string name = entry->getString("model").value_or("").str();
    double measured = *entry->getNumber("value");
    double cv = *entry->getNumber("expertCV");
    int64_t experts = *entry->getInteger("experts");
    int64_t topK = *entry->getInteger("topK");
    llvm::StringRef conversion = *entry->getString("conversion");
    if (conversion == "maxvio") {
      EXPECT_NEAR(cv, measured / expectedMaxOfStandardNormals(experts), 5e-5)
          << name;
    } else if (conversion == "dropRate") {
      double factor = *entry->getNumber("capacityFactor");
      if (factor != 1.0)
        continue; // A bound, solved numerically; outside the median.
      double total = measured / phi0;
      double window = *entry->getNumber("tokensPerCapacityWindow");
      double mean = window * topK / experts;
      double noise = (1 - double(topK) / experts) / mean;
      EXPECT_NEAR(cv, std::sqrt(total * total - noise), 5e-5) << name;
    } else {
      ADD_FAILURE() << name << ": unknown conversion " << conversion.str();
    }
  }
}

} // namespace
