// W3C Trace Context (CONVENTIONS.md §6): parsing of the traceparent header.
// Thread safety: stateless functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace strata {

struct TraceParent {
  std::string trace_id;   // 32 lower-case hex digits, not all zero.
  std::string parent_id;  // 16 lower-case hex digits, not all zero.
  uint8_t flags = 0;      // Bit 0: sampled.
};

// nullopt for anything that is not a valid version-00 traceparent (or a later version's
// valid prefix); the caller then starts a new trace and ignores tracestate.
std::optional<TraceParent> ParseTraceParent(std::string_view header);

}  // namespace strata
