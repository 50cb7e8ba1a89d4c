// DecodeIntsAt: the values of selected rows of an int block, checked against DecodeInts for
// every encoding, bit width and shape of selection, and on damaged input.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "storage/encoding/int_encoding.h"
#include "test_util.h"

namespace strata::storage {
namespace {

constexpr IntEncoding kAllEncodings[] = {
    IntEncoding::kPlain,        IntEncoding::kFrameOfReference,
    IntEncoding::kDelta,        IntEncoding::kDeltaOfDelta,
    IntEncoding::kRunLength,    IntEncoding::kGroupedFrameOfReference,
    IntEncoding::kGroupedDelta, IntEncoding::kGroupedDeltaOfDelta,
};

// Selections of rows of an n-row block, each ascending.
std::vector<std::vector<uint32_t>> Selections(size_t n, std::mt19937_64& rng) {
  std::vector<std::vector<uint32_t>> selections(7);
  for (uint32_t row = 0; row < n; ++row) {
    selections[1].push_back(row);                                       // Every row.
    if (row % 7 == 3) selections[2].push_back(row);                     // Spread out.
    if (rng() % 20 == 0) selections[3].push_back(row);                  // Random, ~5%.
    if (row >= 64 && row < 200) selections[4].push_back(row);           // One run.
    if (row % 64 == 0 || row % 64 == 63) selections[5].push_back(row);  // Group edges.
  }
  if (n > 0) selections[6] = {static_cast<uint32_t>(n - 1)};  // The last row alone.
  return selections;                                          // selections[0]: none.
}

// Decodes the rows of `selection` from `block` (followed by a sentinel) and checks them
// against the full decode, and that exactly the block was consumed.
void ExpectRowsMatch(const std::string& block, const std::vector<int64_t>& values,
                     const std::vector<uint32_t>& selection, const std::string& what) {
  const std::string bytes = block + "sentinel";
  ByteReader reader(bytes);
  std::vector<int64_t> picked(selection.size() + 1, 77);
  const Status status = DecodeIntsAt(reader, values.size(), selection, picked.data());
  ASSERT_TRUE(status.ok()) << what << ": " << status.ToString();
  EXPECT_EQ(picked.back(), 77) << what << ": wrote past the selection";
  for (size_t i = 0; i < selection.size(); ++i) {
    ASSERT_EQ(picked[i], values[selection[i]]) << what << " row " << selection[i];
  }
  EXPECT_EQ(reader.rest(), "sentinel") << what;
}

std::string Encoded(IntEncoding encoding, const std::vector<int64_t>& values) {
  ByteWriter writer;
  EncodeIntsAs(encoding, values, writer);
  return writer.buffer();
}

TEST(IntDecodeRowsTest, EveryEncodingAndSelectionMatchesTheFullDecode) {
  std::mt19937_64 rng(21);
  for (size_t n : {0, 1, 2, 3, 63, 64, 65, 129, 1000, 5000}) {
    std::vector<std::vector<int64_t>> inputs(4, std::vector<int64_t>(n));
    int64_t walk = 1000;
    for (size_t i = 0; i < n; ++i) {
      inputs[0][i] = static_cast<int64_t>(rng());                  // Full range.
      inputs[1][i] = walk += static_cast<int64_t>(rng() % 7) - 3;  // Random walk.
      inputs[2][i] = static_cast<int64_t>(i / 300) * 1'000'000 +
                     static_cast<int64_t>(i % 300) * 10;  // Host-sorted times.
      inputs[3][i] = static_cast<int64_t>((i / 50) % 4);  // Runs.
    }
    for (size_t input = 0; input < inputs.size(); ++input) {
      const std::vector<std::vector<uint32_t>> selections = Selections(n, rng);
      for (IntEncoding encoding : kAllEncodings) {
        const std::string block = Encoded(encoding, inputs[input]);
        for (size_t s = 0; s < selections.size(); ++s) {
          ExpectRowsMatch(block, inputs[input], selections[s],
                          std::string(IntEncodingName(encoding)) + " n=" + std::to_string(n) +
                              " input " + std::to_string(input) + " selection " +
                              std::to_string(s));
          if (::testing::Test::HasFailure()) return;
        }
      }
    }
  }
}

// The running sums skip unwanted groups by their bit-plane sums: every width, in full and
// cut last groups, with bases that wrap.
TEST(IntDecodeRowsTest, DeltaGroupSumsHoldForEveryWidth) {
  std::mt19937_64 rng(22);
  for (int width = 0; width <= 64; ++width) {
    const uint64_t mask = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
    for (size_t n : {size_t{2}, size_t{65}, size_t{64 * 5 + 1}, size_t{64 * 7 + 30}}) {
      std::vector<int64_t> values(n);
      uint64_t walk = rng();
      for (int64_t& value : values) value = static_cast<int64_t>(walk += rng() & mask);
      const std::vector<std::vector<uint32_t>> selections = {{static_cast<uint32_t>(n - 1)},
                                                             {0, static_cast<uint32_t>(n / 2)}};
      for (IntEncoding encoding : {IntEncoding::kDelta, IntEncoding::kGroupedDelta,
                                   IntEncoding::kDeltaOfDelta, IntEncoding::kFrameOfReference}) {
        const std::string block = Encoded(encoding, values);
        for (const std::vector<uint32_t>& selection : selections) {
          ExpectRowsMatch(block, values, selection,
                          std::string(IntEncodingName(encoding)) +
                              " width=" + std::to_string(width) + " n=" + std::to_string(n));
        }
      }
      if (::testing::Test::HasFailure()) return;
    }
  }
}

Status DecodeRowsOf(const std::string& bytes, size_t count, const std::vector<uint32_t>& rows) {
  ByteReader reader(bytes);
  std::vector<int64_t> out(rows.size());
  return DecodeIntsAt(reader, count, rows, out.data());
}

TEST(IntDecodeRowsTest, EveryTruncationIsCorruptionWhateverTheSelection) {
  std::mt19937_64 rng(23);
  std::vector<int64_t> values(300);
  int64_t walk = 0;
  for (int64_t& value : values) value = walk += static_cast<int64_t>(rng() % 9) - 4;
  const std::vector<std::vector<uint32_t>> selections = {{}, {0}, {5, 150}, {299}};
  for (IntEncoding encoding : kAllEncodings) {
    const std::string full = Encoded(encoding, values);
    for (const std::vector<uint32_t>& selection : selections) {
      ASSERT_OK(DecodeRowsOf(full, values.size(), selection));
      for (size_t len = 0; len < full.size(); ++len) {
        ASSERT_EQ(DecodeRowsOf(full.substr(0, len), values.size(), selection).code(),
                  StatusCode::kCorruption)
            << IntEncodingName(encoding) << " len=" << len;
      }
    }
  }
}

TEST(IntDecodeRowsTest, ByteFlipsGiveOkOrCorruption) {
  std::mt19937_64 rng(24);
  std::vector<int64_t> values(500);
  for (size_t i = 0; i < values.size(); ++i) {
    values[i] = static_cast<int64_t>(i / 70) * 5000 + static_cast<int64_t>(rng() % 40);
  }
  const std::vector<uint32_t> rows = {3, 64, 65, 200, 499};
  for (IntEncoding encoding : kAllEncodings) {
    const std::string full = Encoded(encoding, values);
    for (int trial = 0; trial < 200; ++trial) {
      std::string bytes = full;
      bytes[rng() % bytes.size()] ^= static_cast<char>(1 + rng() % 255);
      const Status status = DecodeRowsOf(bytes, values.size(), rows);
      EXPECT_TRUE(status.ok() || status.code() == StatusCode::kCorruption);
      const Status longer = DecodeRowsOf(bytes, values.size() + 100, rows);
      EXPECT_TRUE(longer.ok() || longer.code() == StatusCode::kCorruption);
    }
  }
}

}  // namespace
}  // namespace strata::storage
