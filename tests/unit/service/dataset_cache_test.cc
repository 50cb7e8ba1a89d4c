#include "service/dataset_cache.h"

#include <gtest/gtest.h>

namespace strata::service {
namespace {

std::shared_ptr<const DatasetDocument> Record(std::string id, uint64_t revision) {
  auto document = std::make_shared<DatasetDocument>();
  document->record.id = std::move(id);
  document->record.revision = revision;
  return document;
}

TEST(DatasetCacheTest, FindsWhatWasInserted) {
  DatasetCache cache;
  EXPECT_EQ(cache.Find("cpu"), nullptr);
  cache.Insert(cache.Generation(), Record("cpu", 3));
  ASSERT_NE(cache.Find("cpu"), nullptr);
  EXPECT_EQ(cache.Find("cpu")->record.revision, 3u);
}

TEST(DatasetCacheTest, InvalidateRemovesTheEntry) {
  DatasetCache cache;
  cache.Insert(cache.Generation(), Record("cpu", 1));
  cache.Invalidate("cpu");
  EXPECT_EQ(cache.Find("cpu"), nullptr);
}

TEST(DatasetCacheTest, ReadThatRacedWithAWriteIsNotCached) {
  DatasetCache cache;
  const uint64_t generation = cache.Generation();  // A reader starts loading revision 1...
  cache.Invalidate("cpu");                         // ...a write commits revision 2...
  cache.Insert(generation, Record("cpu", 1));      // ...the stale read must not be kept.
  EXPECT_EQ(cache.Find("cpu"), nullptr);
}

}  // namespace
}  // namespace strata::service
