//===- JSONTextTest.cpp - JSON numbers in shortest form -------------------===//

#include "moeplan/Export/JSONText.h"

#include "gtest/gtest.h"

using namespace moeplan;

TEST(JSONText, FloatsInShortestForm) {
  // What llvm::json writes for 0.8, 0.164 and 1e-6, and an integer.
  EXPECT_EQ(tidyJSONNumbers(R"({"a": 0.80000000000000004, "b": [0.16400000000000001, )"
                            R"(9.9999999999999995e-07], "c": 3000000000})"),
            R"({"a": 0.8, "b": [0.164, 1e-06], "c": 3000000000})");
}

TEST(JSONText, StringsAndNonShortValuesUntouched) {
  // Digits inside strings (escaped quotes included) stay; a double that
  // needs 17 digits keeps them.
  EXPECT_EQ(tidyJSONNumbers(R"({"name": "moe3.0.80000000000000004 \"1.50\"", )"
                            R"("x": 0.30000000000000004, "y": -2.5e+10})"),
            R"({"name": "moe3.0.80000000000000004 \"1.50\"", )"
            R"("x": 0.30000000000000004, "y": -2.5e+10})");
}
