#include "security/key_ring_store.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "meta/sqlite/sqlite_meta_store.h"
#include "test_util.h"

namespace strata::security {
namespace {

constexpr int64_t kDay = 86'400;

class KeyRingStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK_AND_ASSIGN(store_, meta::OpenSqliteMetaStore(":memory:")); }

  std::string Stored() {
    Result<std::string> text =
        store_->GetOrCreateSecret(KeyRingStore::kSecretName, [] { return std::string("absent"); });
    return text.ok() ? *text : "";
  }

  std::unique_ptr<meta::MetaStore> store_;
};

TEST_F(KeyRingStoreTest, CreatesOnceAndReopensTheSameRing) {
  KeyRingOptions options;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<KeyRingStore> first,
                       KeyRingStore::Open(*store_, options, 1000));
  const std::string kid = first->Current()->ring.current().kid();
  EXPECT_EQ(first->Current()->ring.current().alg(), JwtAlgorithm::kEdDSA);
  EXPECT_EQ(first->Current()->ring.current_since(), 1000);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<KeyRingStore> second,
                       KeyRingStore::Open(*store_, options, 2000));
  EXPECT_EQ(second->Current()->ring.current().kid(), kid);
  // The JWKS publishes the public key only.
  EXPECT_NE(second->Current()->jwks_json.find(kid), std::string::npos);
  EXPECT_EQ(second->Current()->jwks_json.find("\"d\""), std::string::npos);
}

TEST_F(KeyRingStoreTest, AnotherAlgorithmRotatesAndKeepsTheOldKey) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<KeyRingStore> eddsa,
                       KeyRingStore::Open(*store_, KeyRingOptions{}, 1000));
  const std::string old_kid = eddsa->Current()->ring.current().kid();
  KeyRingOptions es256;
  es256.algorithm = JwtAlgorithm::kES256;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<KeyRingStore> reopened,
                       KeyRingStore::Open(*store_, es256, 1100));
  const KeyRing& ring = reopened->Current()->ring;
  EXPECT_EQ(ring.current().alg(), JwtAlgorithm::kES256);
  ASSERT_EQ(ring.retired().size(), 1u);
  EXPECT_EQ(ring.retired()[0].key.kid(), old_kid);
  KeyRingOptions rs256;
  rs256.algorithm = JwtAlgorithm::kRS256;
  EXPECT_EQ(KeyRingStore::Open(*store_, rs256, 1200).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(KeyRingStoreTest, RotateStoresAndMaintainDropsRetiredKeysAfterTheirTokens) {
  KeyRingOptions options;
  options.rotation_seconds = 0;
  options.retire_after_seconds = 960;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<KeyRingStore> keys,
                       KeyRingStore::Open(*store_, options, 1000));
  const uint64_t generation = keys->Current()->generation;
  const std::string old_kid = keys->Current()->ring.current().kid();
  ASSERT_OK(keys->Rotate(2000));
  EXPECT_GT(keys->Current()->generation, generation);
  EXPECT_NE(keys->Current()->ring.current().kid(), old_kid);
  ASSERT_OK_AND_ASSIGN(KeyRing stored, KeyRing::Parse(Stored()));
  EXPECT_EQ(stored.current().kid(), keys->Current()->ring.current().kid());
  ASSERT_EQ(stored.retired().size(), 1u);

  ASSERT_OK(keys->Maintain(2000 + 960));  // Tokens of the old key may still be valid.
  EXPECT_EQ(keys->Current()->ring.retired().size(), 1u);
  ASSERT_OK(keys->Maintain(2000 + 961));
  EXPECT_EQ(keys->Current()->ring.retired().size(), 0u);
  ASSERT_OK_AND_ASSIGN(stored, KeyRing::Parse(Stored()));
  EXPECT_EQ(stored.retired().size(), 0u);
}

TEST_F(KeyRingStoreTest, RotateCanDropEveryEarlierKey) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<KeyRingStore> keys,
                       KeyRingStore::Open(*store_, KeyRingOptions{}, 1000));
  ASSERT_OK(keys->Rotate(1100));
  ASSERT_EQ(keys->Current()->ring.retired().size(), 1u);
  ASSERT_OK(keys->Rotate(1200, /*drop_previous=*/true));
  EXPECT_EQ(keys->Current()->ring.retired().size(), 0u);
  EXPECT_EQ(keys->Current()->ring.VerificationKeys().size(), 1u);
}

TEST_F(KeyRingStoreTest, MaintainRotatesByAge) {
  KeyRingOptions options;
  options.rotation_seconds = 90 * kDay;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<KeyRingStore> keys,
                       KeyRingStore::Open(*store_, options, 1000));
  const std::string first = keys->Current()->ring.current().kid();
  ASSERT_OK(keys->Maintain(1000 + 90 * kDay - 1));
  EXPECT_EQ(keys->Current()->ring.current().kid(), first);
  ASSERT_OK(keys->Maintain(1000 + 90 * kDay));
  EXPECT_NE(keys->Current()->ring.current().kid(), first);
  EXPECT_EQ(keys->Current()->ring.current_since(), 1000 + 90 * kDay);
}

TEST_F(KeyRingStoreTest, ReloadSeesARotationByAnotherProcess) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<KeyRingStore> server,
                       KeyRingStore::Open(*store_, KeyRingOptions{}, 1000));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<KeyRingStore> command,
                       KeyRingStore::Open(*store_, KeyRingOptions{}, 1000));
  ASSERT_OK(command->Rotate(1500));
  const uint64_t generation = server->Current()->generation;
  ASSERT_OK(server->Reload());
  EXPECT_EQ(server->Current()->ring.current().kid(), command->Current()->ring.current().kid());
  EXPECT_GT(server->Current()->generation, generation);
  const uint64_t reloaded = server->Current()->generation;
  ASSERT_OK(server->Reload());  // Unchanged: same generation.
  EXPECT_EQ(server->Current()->generation, reloaded);
}

TEST_F(KeyRingStoreTest, AnUnreadableStoredRingIsCorruption) {
  ASSERT_OK(store_->PutSecret(KeyRingStore::kSecretName, "not a ring"));
  EXPECT_EQ(KeyRingStore::Open(*store_, KeyRingOptions{}, 1000).status().code(),
            StatusCode::kCorruption);
}

}  // namespace
}  // namespace strata::security
