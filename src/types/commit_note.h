// CommitNote: a small record written atomically with an append (in the same WAL record), so
// that a caller can learn after a crash whether that append was committed, and with what
// outcome. The ingest service uses it to make Idempotency-Key exactly-once: the key's stored
// response cannot be lost between the append and the metastore update.
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <string>

namespace strata::types {

struct CommitNote {
  std::string key;      // Unique per dataset among unconfirmed notes.
  std::string payload;  // Opaque to storage.
};

// A note the storage holds until the caller confirms it: the append it rode on committed
// rows first_seq..last_seq.
struct CommittedNote {
  std::string dataset;
  std::string key;
  std::string payload;
  int64_t first_seq = 0;
  int64_t last_seq = 0;
};

}  // namespace strata::types
