// REST routes of tus 1.0 resumable uploads (CONVENTIONS.md §2; docs/ingest.md "Resumable
// uploads (tus)"): OPTIONS and POST /v1/datasets/{id}/uploads; HEAD, PATCH and DELETE
// /v1/datasets/{id}/uploads/{uid}. Every answer carries Tus-Resumable; errors are problems
// (checksum mismatch 460, expired upload 410).
#pragma once

#include "server/api/router.h"
#include "service/upload_service.h"

namespace strata::server {

// `uploads` must outlive the router.
void AddUploadRoutes(Router& router, service::UploadService& uploads);

}  // namespace strata::server
