// Invariant checks. STRATA_CHECK guards unrecoverable states in every build; STRATA_DCHECK
// guards invariants in debug builds only. Neither is ever used on external input.
#pragma once

#include <cstdio>
#include <cstdlib>

#define STRATA_CHECK(cond)                                                            \
  do {                                                                                \
    if (!(cond)) [[unlikely]] {                                                       \
      std::fprintf(stderr, "check failed: %s at %s:%d\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                   \
    }                                                                                 \
  } while (0)

#ifdef NDEBUG
#define STRATA_DCHECK(cond) \
  do {                      \
    (void)sizeof(cond);     \
  } while (0)
#else
#define STRATA_DCHECK(cond) STRATA_CHECK(cond)
#endif
