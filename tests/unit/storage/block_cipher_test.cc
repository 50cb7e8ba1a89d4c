#include "storage/crypto/block_cipher.h"

#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

namespace strata::storage {
namespace {

constexpr NoncePrefix kPrefix = {0xde, 0xad, 0xbe, 0xef};

Key DataKey() {
  Key key;
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i * 5 + 3);
  return key;
}

// Records every reservation the cipher persists, like a manifest would.
struct ReservationLog {
  std::mutex mu;
  std::vector<uint64_t> persisted;
  bool fail = false;

  BlockCipher::PersistFn Fn() {
    return [this](uint64_t value) {
      std::lock_guard<std::mutex> lock(mu);
      if (fail) return Status::IoError("disk full");
      persisted.push_back(value);
      return Status();
    };
  }
  uint64_t last() {
    std::lock_guard<std::mutex> lock(mu);
    return persisted.back();
  }
};

std::string NonceOf(const std::string& sealed) { return sealed.substr(0, kNonceBytes); }

uint64_t CounterOf(const std::string& sealed) {
  uint64_t counter = 0;
  for (size_t i = 4; i < kNonceBytes; ++i)
    counter = (counter << 8) | static_cast<uint8_t>(sealed[i]);
  return counter;
}

TEST(BlockCipherTest, SealOpenRoundTrip) {
  ReservationLog log;
  BlockCipher cipher(DataKey(), kPrefix, 0, log.Fn());
  const std::string aad = BlockAad("ds", "seg_1.col", 3);
  for (const std::string& plaintext :
       {std::string(), std::string("hello block"), std::string(1 << 20, 'x')}) {
    std::string sealed = "prefix";
    ASSERT_OK(cipher.Seal(aad, plaintext, sealed));
    ASSERT_EQ(sealed.size(), 6 + plaintext.size() + BlockCipher::kSealOverhead);
    std::string opened;
    ASSERT_OK(cipher.Open(aad, std::string_view(sealed).substr(6), opened));
    EXPECT_EQ(opened, plaintext);
    EXPECT_EQ(sealed.substr(6, 4), std::string("\xde\xad\xbe\xef"));
  }
}

TEST(BlockCipherTest, OpenRejectsSwappedTamperedAndShortBlocks) {
  ReservationLog log;
  BlockCipher cipher(DataKey(), kPrefix, 0, log.Fn());
  std::string sealed;
  ASSERT_OK(cipher.Seal(BlockAad("ds", "f", 0), "block zero", sealed));
  std::string opened;
  EXPECT_EQ(cipher.Open(BlockAad("ds", "f", 1), sealed, opened).code(), StatusCode::kCorruption);
  EXPECT_EQ(cipher.Open(BlockAad("ds", "g", 0), sealed, opened).code(), StatusCode::kCorruption);
  for (size_t byte_idx = 0; byte_idx < sealed.size(); ++byte_idx) {
    std::string tampered = sealed;
    tampered[byte_idx] = static_cast<char>(tampered[byte_idx] ^ 0x80);
    EXPECT_EQ(cipher.Open(BlockAad("ds", "f", 0), tampered, opened).code(), StatusCode::kCorruption)
        << "byte " << byte_idx;
  }
  for (size_t len = 0; len < BlockCipher::kSealOverhead; ++len) {
    EXPECT_EQ(cipher.Open(BlockAad("ds", "f", 0), sealed.substr(0, len), opened).code(),
              StatusCode::kCorruption);
  }
  Key other_key = DataKey();
  other_key[0] ^= 1;
  ReservationLog other_log;
  BlockCipher other(other_key, kPrefix, 0, other_log.Fn());
  EXPECT_EQ(other.Open(BlockAad("ds", "f", 0), sealed, opened).code(), StatusCode::kCorruption);
  EXPECT_TRUE(opened.empty());
}

TEST(BlockCipherTest, NoncesAreUniqueAcrossManySeals) {
  ReservationLog log;
  BlockCipher cipher(DataKey(), kPrefix, 0, log.Fn(), /*reservation_step=*/1000);
  std::set<std::string> nonces;
  for (int i = 0; i < 10000; ++i) {
    std::string sealed;
    ASSERT_OK(cipher.Seal("aad", "p", sealed));
    nonces.insert(NonceOf(sealed));
  }
  EXPECT_EQ(nonces.size(), 10000u);
  EXPECT_EQ(log.persisted.size(), 10u);
}

TEST(BlockCipherTest, ReservationIsPersistedBeforeUseAndWhenCrossingTheStep) {
  ReservationLog log;
  BlockCipher cipher(DataKey(), kPrefix, 100, log.Fn(), /*reservation_step=*/4);
  EXPECT_TRUE(log.persisted.empty());  // Nothing is persisted until the first seal.
  for (uint64_t i = 0; i < 9; ++i) {
    std::string sealed;
    ASSERT_OK(cipher.Seal("aad", "p", sealed));
    const uint64_t counter = CounterOf(sealed);
    EXPECT_EQ(counter, 100 + i);  // Counters below the old reservation are never reused.
    ASSERT_FALSE(log.persisted.empty());
    EXPECT_LT(counter, log.last());  // Every counter used is below a persisted reservation.
  }
  EXPECT_EQ(log.persisted, (std::vector<uint64_t>{104, 108, 112}));
}

TEST(BlockCipherTest, CrashAndRestartNeverReusesACounter) {
  ReservationLog log;
  std::set<std::string> first_nonces;
  {
    BlockCipher first(DataKey(), kPrefix, 0, log.Fn(), /*reservation_step=*/4);
    for (int i = 0; i < 10; ++i) {
      std::string sealed;
      ASSERT_OK(first.Seal("aad", "p", sealed));
      first_nonces.insert(NonceOf(sealed));
    }
  }  // "Crash": nothing but the persisted reservation survives.
  BlockCipher second(DataKey(), kPrefix, log.last(), log.Fn(), /*reservation_step=*/4);
  for (int i = 0; i < 10; ++i) {
    std::string sealed;
    ASSERT_OK(second.Seal("aad", "p", sealed));
    EXPECT_EQ(first_nonces.count(NonceOf(sealed)), 0u) << "counter " << CounterOf(sealed);
  }
}

TEST(BlockCipherTest, PersistFailureFailsSealAndSealsNothing) {
  ReservationLog log;
  log.fail = true;
  BlockCipher cipher(DataKey(), kPrefix, 0, log.Fn(), /*reservation_step=*/2);
  std::string out = "untouched";
  const Status status = cipher.Seal("aad", "p", out);
  EXPECT_EQ(status.code(), StatusCode::kIoError);
  EXPECT_EQ(out, "untouched");

  log.fail = false;  // The next seal retries the reservation.
  ASSERT_OK(cipher.Seal("aad", "p", out));
  ASSERT_OK(cipher.Seal("aad", "p", out));
  log.fail = true;  // Crossing the step needs a new reservation.
  const size_t size_before = out.size();
  EXPECT_EQ(cipher.Seal("aad", "p", out).code(), StatusCode::kIoError);
  EXPECT_EQ(out.size(), size_before);
  EXPECT_EQ(log.persisted, (std::vector<uint64_t>{2}));
}

TEST(BlockCipherTest, ConcurrentSealsGiveUniqueNonces) {
  ReservationLog log;
  BlockCipher cipher(DataKey(), kPrefix, 0, log.Fn(), /*reservation_step=*/16);
  constexpr int kThreads = 4, kPerThread = 2000;
  std::vector<std::vector<std::string>> nonces(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string sealed;
        if (!cipher.Seal("aad", "payload", sealed).ok()) return;
        nonces[t].push_back(NonceOf(sealed));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::set<std::string> all;
  for (const auto& per_thread : nonces) {
    EXPECT_EQ(per_thread.size(), static_cast<size_t>(kPerThread));
    all.insert(per_thread.begin(), per_thread.end());
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
  for (const std::string& nonce : all) {
    EXPECT_LT(CounterOf(nonce), log.last());
  }
}

TEST(BlockAadTest, DiffersWhenAnyPartDiffers) {
  const std::string base = BlockAad("ds", "file", 7);
  EXPECT_EQ(base, BlockAad("ds", "file", 7));
  EXPECT_NE(base, BlockAad("dt", "file", 7));
  EXPECT_NE(base, BlockAad("ds", "filf", 7));
  EXPECT_NE(base, BlockAad("ds", "file", 8));
  EXPECT_NE(base, BlockAad("ds", "file", uint64_t{7} << 32));
}

TEST(BlockAadTest, IsUnambiguous) {
  EXPECT_NE(BlockAad("a", "bc", 0), BlockAad("ab", "c", 0));
  EXPECT_NE(BlockAad("", "abc", 0), BlockAad("abc", "", 0));
  EXPECT_NE(BlockAad(std::string_view("a\0", 2), "b", 0),
            BlockAad("a", std::string_view("\0b", 2), 0));
}

TEST(BlockCipherTest, NewNoncePrefixIsRandom) {
  ASSERT_OK_AND_ASSIGN(NoncePrefix a, NewNoncePrefix());
  ASSERT_OK_AND_ASSIGN(NoncePrefix b, NewNoncePrefix());
  ASSERT_OK_AND_ASSIGN(NoncePrefix c, NewNoncePrefix());
  EXPECT_FALSE(a == b && b == c);
}

}  // namespace
}  // namespace strata::storage
