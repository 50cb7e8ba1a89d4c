#include "storage/crypto/data_key.h"

#include <gtest/gtest.h>

#include <string>

#include "test_util.h"

namespace strata::storage {
namespace {

Key MasterKey(uint8_t seed) {
  Key key;
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(seed ^ (i * 13));
  return key;
}

TEST(DataKeyTest, NewDataKeysAreRandom) {
  ASSERT_OK_AND_ASSIGN(Key a, NewDataKey());
  ASSERT_OK_AND_ASSIGN(Key b, NewDataKey());
  EXPECT_NE(a, b);
}

TEST(DataKeyTest, WrapUnwrapRoundTrip) {
  ASSERT_OK_AND_ASSIGN(Key data_key, NewDataKey());
  ASSERT_OK_AND_ASSIGN(std::string wrapped, WrapDataKey(MasterKey(1), "ds_orders", data_key));
  EXPECT_EQ(wrapped.size(), kWrappedDataKeyBytes);
  EXPECT_EQ(static_cast<uint8_t>(wrapped[0]), kWrappedDataKeyVersion);
  EXPECT_EQ(wrapped.find(std::string(reinterpret_cast<const char*>(data_key.data()), 8)),
            std::string::npos);
  ASSERT_OK_AND_ASSIGN(Key unwrapped, UnwrapDataKey(MasterKey(1), "ds_orders", wrapped));
  EXPECT_EQ(unwrapped, data_key);
}

TEST(DataKeyTest, WrappingUsesAFreshNonce) {
  ASSERT_OK_AND_ASSIGN(Key data_key, NewDataKey());
  ASSERT_OK_AND_ASSIGN(std::string a, WrapDataKey(MasterKey(1), "ds", data_key));
  ASSERT_OK_AND_ASSIGN(std::string b, WrapDataKey(MasterKey(1), "ds", data_key));
  EXPECT_NE(a, b);
}

TEST(DataKeyTest, OtherMasterKeyFailsWithGuidance) {
  ASSERT_OK_AND_ASSIGN(Key data_key, NewDataKey());
  ASSERT_OK_AND_ASSIGN(std::string wrapped, WrapDataKey(MasterKey(1), "ds_orders", data_key));
  Result<Key> result = UnwrapDataKey(MasterKey(2), "ds_orders", wrapped);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kCorruption);
  EXPECT_NE(result.status().message().find(
                "the master key does not match the one this data was encrypted with (or the key "
                "file is damaged)"),
            std::string_view::npos)
      << result.status().ToString();
  EXPECT_NE(result.status().message().find("ds_orders"), std::string_view::npos);
}

TEST(DataKeyTest, OtherContextFails) {
  ASSERT_OK_AND_ASSIGN(Key data_key, NewDataKey());
  ASSERT_OK_AND_ASSIGN(std::string wrapped, WrapDataKey(MasterKey(1), "ds_orders", data_key));
  Result<Key> result = UnwrapDataKey(MasterKey(1), "ds_users", wrapped);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kCorruption);
}

TEST(DataKeyTest, DamagedWrappedKeyFails) {
  ASSERT_OK_AND_ASSIGN(Key data_key, NewDataKey());
  ASSERT_OK_AND_ASSIGN(std::string wrapped, WrapDataKey(MasterKey(1), "ds", data_key));
  for (size_t byte_idx = 0; byte_idx < wrapped.size(); ++byte_idx) {
    std::string damaged = wrapped;
    damaged[byte_idx] = static_cast<char>(damaged[byte_idx] ^ 0x01);
    Result<Key> result = UnwrapDataKey(MasterKey(1), "ds", damaged);
    ASSERT_FALSE(result.ok()) << "byte " << byte_idx;
    EXPECT_EQ(result.status().code(), StatusCode::kCorruption);
  }
  Result<Key> truncated = UnwrapDataKey(MasterKey(1), "ds", wrapped.substr(0, 60));
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.status().code(), StatusCode::kCorruption);
  EXPECT_NE(truncated.status().message().find("60 bytes"), std::string_view::npos)
      << truncated.status().ToString();
}

TEST(DataKeyTest, UnknownVersionIsReported) {
  ASSERT_OK_AND_ASSIGN(Key data_key, NewDataKey());
  ASSERT_OK_AND_ASSIGN(std::string wrapped, WrapDataKey(MasterKey(1), "ds", data_key));
  wrapped[0] = 9;
  Result<Key> result = UnwrapDataKey(MasterKey(1), "ds", wrapped);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("version 9"), std::string_view::npos)
      << result.status().ToString();
}

}  // namespace
}  // namespace strata::storage
