#include "service/dataset_cache.h"

#include <gtest/gtest.h>

namespace strata::service {
namespace {

meta::DatasetRecord Record(std::string id, uint64_t revision) {
  meta::DatasetRecord dataset;
  dataset.id = std::move(id);
  dataset.revision = revision;
  return dataset;
}

TEST(DatasetCacheTest, FindsWhatWasInserted) {
  DatasetCache cache;
  EXPECT_EQ(cache.Find("cpu"), nullptr);
  cache.Insert(cache.Generation(), Record("cpu", 3));
  ASSERT_NE(cache.Find("cpu"), nullptr);
  EXPECT_EQ(cache.Find("cpu")->revision, 3u);
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
