// Precondition: the parsed If-Match of a write, checked by services against a resource's
// current entity tag so that two writers cannot silently overwrite each other.
// Thread safety: plain value.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace strata::service {

struct Precondition {
  bool present = false;            // An If-Match header was sent.
  bool any = false;                // If-Match: *
  std::vector<std::string> etags;  // Strong tags, quotes included: "\"abc\"".

  // OK when there is no precondition or `current_etag` satisfies it; else
  // PreconditionFailed naming the current tag.
  Status Check(const std::string& current_etag) const {
    if (!present || any) return Status();
    for (const std::string& etag : etags) {
      if (etag == current_etag) return Status();
    }
    return Status::PreconditionFailed("If-Match does not match the current ETag " + current_etag +
                                      "; fetch the resource again and retry")
        .WithErrors({ErrorDetail::Header("If-Match", "expected " + current_etag)});
  }
};

}  // namespace strata::service
