// Assertions for Status and Result in unit tests.
#pragma once

#include <gtest/gtest.h>

#include "common/result.h"

#define ASSERT_OK(expr)                                                      \
  do {                                                                       \
    const ::strata::Status strata_test_status_ = (expr);                     \
    ASSERT_TRUE(strata_test_status_.ok()) << strata_test_status_.ToString(); \
  } while (0)

#define EXPECT_OK(expr)                                                      \
  do {                                                                       \
    const ::strata::Status strata_test_status_ = (expr);                     \
    EXPECT_TRUE(strata_test_status_.ok()) << strata_test_status_.ToString(); \
  } while (0)

#define ASSERT_OK_AND_ASSIGN(decl, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL(STRATA_CONCAT(strata_test_result_, __LINE__), decl, expr)
#define ASSERT_OK_AND_ASSIGN_IMPL(tmp, decl, expr)  \
  auto tmp = (expr);                                \
  ASSERT_TRUE(tmp.ok()) << tmp.status().ToString(); \
  decl = std::move(tmp).value()
