#include "server/api/handlers/auth_handlers.h"

#include <array>

#include "common/json_writer.h"
#include "common/strings.h"
#include "security/authorizer.h"
#include "security/encoding.h"
#include "server/api/problem.h"
#include "server/api/request_helpers.h"
#include "service/login_throttle.h"

namespace strata::server {
namespace {

constexpr std::string_view kBasicChallenge = "Basic realm=\"strata\"";
constexpr std::array<std::string_view, 8> kOAuthErrors = {
    "invalid_request",        "invalid_client", "invalid_grant", "unauthorized_client",
    "unsupported_grant_type", "invalid_scope",  "slow_down",     "temporarily_unavailable"};

Status InvalidRequest(std::string_view description) {
  return Status::InvalidArgument(description).WithProblemCode("invalid_request");
}

Status InvalidClient() {
  return Status::Unauthenticated("client authentication failed").WithProblemCode("invalid_client");
}

bool IsOAuthError(std::string_view code) {
  for (std::string_view error : kOAuthErrors) {
    if (error == code) return true;
  }
  return false;
}

// The parameters of a form body (RFC 6749 §3.2, RFC 7009 §2.1, RFC 7662 §2.1): urlencoded,
// in the body only, each at most once. Parameters without a value are left out (§3.1).
Result<Params> ParseForm(const ApiRequest& request) {
  const std::string_view content_type = request.Header("content-type");
  const std::string media = ToLower(Trim(content_type.substr(0, content_type.find(';'))));
  if (media != "application/x-www-form-urlencoded") {
    return InvalidRequest("send the parameters as Content-Type: application/x-www-form-urlencoded");
  }
  if (!request.query.empty()) {
    return InvalidRequest("send the parameters in the request body, not in the URL");
  }
  Params params;
  if (!ParseQueryString(request.body, params)) return InvalidRequest("the form body is malformed");
  Params present;
  for (auto& [name, value] : params) {
    for (const auto& [seen, unused] : present) {
      if (seen == name) {
        std::string shown = name.substr(0, 64);
        for (char& c : shown) {
          if (c < 0x20 || c > 0x7e) c = '?';
        }
        return InvalidRequest("parameter '" + shown + "' is repeated");
      }
    }
    present.emplace_back(std::move(name), std::move(value));
  }
  std::erase_if(present, [](const auto& param) { return param.second.empty(); });
  return present;
}

std::string FormValue(const Params& params, std::string_view name) {
  for (const auto& [key, value] : params) {
    if (key == name) return value;
  }
  return std::string();
}

bool SentBasic(const ApiRequest& request) {
  return ToLower(request.Header("authorization").substr(0, 6)) == "basic ";
}

// Client credentials of HTTP Basic (RFC 6749 §2.3.1: each part form-urlencoded, then
// "id:secret" in base64) or of the body; never both.
Status ReadClientAuthentication(const ApiRequest& request, const Params& form,
                                service::TokenRequest& out) {
  out.client_id = FormValue(form, "client_id");
  const std::string body_secret = FormValue(form, "client_secret");
  const std::string_view authorization = Trim(request.Header("authorization"));
  if (authorization.empty()) {
    if (!body_secret.empty()) {
      out.client_secret = body_secret;
      out.client_auth = service::ClientAuthentication::kPost;
    }
    return Status();
  }
  if (!SentBasic(request)) {
    return InvalidRequest(
        "the token endpoint takes client credentials as HTTP Basic or in the "
        "body; other Authorization schemes are not accepted");
  }
  if (!body_secret.empty()) {
    return InvalidRequest("use one client authentication method: HTTP Basic or client_secret");
  }
  std::string_view encoded = Trim(authorization.substr(6));
  while (!encoded.empty() && encoded.back() == '=') encoded.remove_suffix(1);
  std::optional<std::string> decoded = security::Base64DecodeUnpaddedStrict(encoded);
  if (!decoded) return InvalidClient();
  const size_t colon = decoded->find(':');
  if (colon == std::string::npos) return InvalidClient();
  std::string id, secret;
  if (!PercentDecode(std::string_view(*decoded).substr(0, colon), id, true) ||
      !PercentDecode(std::string_view(*decoded).substr(colon + 1), secret, true)) {
    return InvalidClient();
  }
  if (!out.client_id.empty() && out.client_id != id) {
    return InvalidRequest("client_id differs from the client of HTTP Basic");
  }
  out.client_id = std::move(id);
  out.client_secret = std::move(secret);
  out.client_auth = service::ClientAuthentication::kBasic;
  return Status();
}

ApiResponse NoStoreJson(int status, JsonWriter& writer) {
  ApiResponse response = JsonResponse(status, writer);
  response.NoStore();
  return response;
}

Result<ApiResponse> PostToken(service::TokenService& tokens, const RequestContext& context) {
  STRATA_ASSIGN_OR_RETURN(Params form, ParseForm(context.request));
  service::TokenRequest request;
  request.grant_type = FormValue(form, "grant_type");
  request.username = FormValue(form, "username");
  request.password = FormValue(form, "password");
  request.totp = FormValue(form, "totp");
  request.recovery_code = FormValue(form, "recovery_code");
  if (std::string scope = FormValue(form, "scope"); !scope.empty()) request.scope = scope;
  request.refresh_token = FormValue(form, "refresh_token");
  request.address = std::string(service::AddressOfPeer(context.request.peer));
  STRATA_RETURN_IF_ERROR(ReadClientAuthentication(context.request, form, request));
  STRATA_ASSIGN_OR_RETURN(service::IssuedTokens issued, tokens.Token(request, context.audit));
  JsonWriter writer;
  writer.BeginObject();
  writer.Member("access_token", issued.access_token);
  writer.Member("token_type", "Bearer");
  writer.Member("expires_in", issued.expires_in);
  if (!issued.refresh_token.empty()) writer.Member("refresh_token", issued.refresh_token);
  if (!issued.scope.empty()) writer.Member("scope", issued.scope);
  writer.EndObject();
  return NoStoreJson(200, writer);
}

Result<std::string> TokenParameter(const RequestContext& context) {
  STRATA_ASSIGN_OR_RETURN(Params form, ParseForm(context.request));
  std::string token = FormValue(form, "token");
  if (token.empty()) return InvalidRequest("the token parameter is required");
  // token_type_hint is optional and ignored: the token's form tells its type (RFC 7009 §2.1
  // lets the server search every type).
  return token;
}

Result<ApiResponse> PostRevoke(service::TokenService& tokens, const RequestContext& context) {
  STRATA_ASSIGN_OR_RETURN(std::string token, TokenParameter(context));
  STRATA_RETURN_IF_ERROR(tokens.Revoke(context.principal, token));
  ApiResponse response;
  response.status = 200;
  response.content_type.clear();
  return response.NoStore();
}

Result<ApiResponse> PostIntrospect(service::TokenService& tokens, const RequestContext& context) {
  STRATA_ASSIGN_OR_RETURN(std::string token, TokenParameter(context));
  STRATA_ASSIGN_OR_RETURN(service::TokenIntrospection state,
                          tokens.Introspect(context.principal, token));
  JsonWriter writer;
  writer.BeginObject();
  writer.Member("active", state.active);
  if (state.active) {
    auto optional_member = [&](std::string_view key, const std::string& value) {
      if (!value.empty()) writer.Member(key, value);
    };
    optional_member("scope", state.scope);
    optional_member("client_id", state.client_id);
    optional_member("username", state.username);
    optional_member("token_type", state.token_type);
    writer.Member("exp", state.exp);
    writer.Member("iat", state.iat);
    if (state.nbf != 0) writer.Member("nbf", state.nbf);
    optional_member("sub", state.sub);
    optional_member("aud", state.aud);
    optional_member("iss", state.iss);
    optional_member("jti", state.jti);
  }
  writer.EndObject();
  return NoStoreJson(200, writer);
}

Result<ApiResponse> GetJwks(service::TokenService& tokens, const RequestContext& context) {
  STRATA_RETURN_IF_ERROR(CheckQueryParameters(context.request, {}));
  ApiResponse response = ApiResponse::Json(200, tokens.keys()->jwks_json);
  response.content_type = "application/jwk-set+json";
  // Verifiers refetch on an unknown kid (RFC 7517 practice), so a short cache is safe.
  return response.WithHeader("Cache-Control", "public, max-age=300");
}

std::string EndpointUrl(const std::string& issuer, std::string_view path) {
  std::string base = issuer;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + std::string(path);
}

// One document serves both OpenID Connect Discovery 1.0 and RFC 8414. There is no
// authorization endpoint (no browser flows), so authorization_endpoint is absent and
// response_types_supported is empty.
Result<ApiResponse> GetDiscovery(service::TokenService& tokens, const RequestContext& context) {
  STRATA_RETURN_IF_ERROR(CheckQueryParameters(context.request, {}));
  const std::string& issuer = tokens.issuer();
  JsonWriter writer;
  writer.BeginObject();
  writer.Member("issuer", issuer);
  writer.Member("token_endpoint", EndpointUrl(issuer, "/v1/auth/token"));
  writer.Member("jwks_uri", EndpointUrl(issuer, "/.well-known/jwks.json"));
  writer.Member("introspection_endpoint", EndpointUrl(issuer, "/v1/auth/introspect"));
  writer.Member("revocation_endpoint", EndpointUrl(issuer, "/v1/auth/revoke"));
  writer.Key("grant_types_supported");
  writer.BeginArray();
  if (tokens.password_grant_enabled()) writer.String("password");
  writer.String("client_credentials");
  writer.String("refresh_token");
  writer.EndArray();
  writer.Key("token_endpoint_auth_methods_supported");
  writer.BeginArray();
  writer.String("client_secret_basic");
  writer.String("client_secret_post");
  writer.String("none");
  writer.EndArray();
  writer.Key("introspection_endpoint_auth_methods_supported");
  writer.BeginArray();
  writer.String("bearer");
  writer.EndArray();
  writer.Key("revocation_endpoint_auth_methods_supported");
  writer.BeginArray();
  writer.String("bearer");
  writer.EndArray();
  writer.Key("scopes_supported");
  writer.BeginArray();
  for (security::Permission permission : security::AllPermissions()) {
    writer.String(security::PermissionName(permission));
  }
  writer.EndArray();
  writer.Key("response_types_supported");
  writer.BeginArray();
  writer.EndArray();
  writer.Key("subject_types_supported");
  writer.BeginArray();
  writer.String("public");
  writer.EndArray();
  writer.Key("id_token_signing_alg_values_supported");
  writer.BeginArray();
  writer.String(security::JwtAlgorithmName(tokens.keys()->ring.current().alg()));
  writer.EndArray();
  writer.EndObject();
  return JsonResponse(200, writer).WithHeader("Cache-Control", "public, max-age=300");
}

// MFA errors are problems; a throttled attempt carries Retry-After instead of an errors item.
ApiResponse MfaError(const Status& status, const ApiRequest& request) {
  if (std::optional<int64_t> wait = service::ThrottledRetryAfter(status)) {
    ApiResponse response = ProblemResponse(
        Status::ResourceExhausted(status.message()).WithProblemCode(status.problem_code()),
        request.request_id);
    return response.WithHeader("Retry-After", std::to_string(*wait));
  }
  return ProblemResponse(status, request.request_id);
}

Result<std::string> CodeOfBody(const RequestContext& context) {
  STRATA_ASSIGN_OR_RETURN(json::Value body, ParseJsonBody(context));
  const json::Value* code = body.is_object() ? body.Find("code") : nullptr;
  if (code == nullptr || !code->is_string() || code->string_value().empty()) {
    return Status::ValidationFailed("the body must be {\"code\": \"<current TOTP code>\"}")
        .WithErrors({ErrorDetail::Pointer("/code", "required: a non-empty string")});
  }
  return code->string_value();
}

Result<ApiResponse> BeginTotp(service::MfaService& mfa, const RequestContext& context) {
  STRATA_RETURN_IF_ERROR(CheckQueryParameters(context.request, {}));
  STRATA_ASSIGN_OR_RETURN(service::TotpEnrolment enrolment, mfa.BeginTotp(context.principal));
  JsonWriter writer;
  writer.BeginObject();
  writer.Member("secret", enrolment.secret);
  writer.Member("otpauth_uri", enrolment.otpauth_uri);
  writer.EndObject();
  return NoStoreJson(200, writer);
}

Result<ApiResponse> ConfirmTotp(service::MfaService& mfa, const RequestContext& context) {
  STRATA_RETURN_IF_ERROR(CheckQueryParameters(context.request, {}));
  STRATA_ASSIGN_OR_RETURN(std::string code, CodeOfBody(context));
  STRATA_ASSIGN_OR_RETURN(
      std::vector<std::string> recovery_codes,
      mfa.ConfirmTotp(context.principal, code, service::AddressOfPeer(context.request.peer)));
  JsonWriter writer;
  writer.BeginObject();
  writer.Member("enabled", true);
  writer.Key("recovery_codes");
  writer.BeginArray();
  for (const std::string& recovery : recovery_codes) writer.String(recovery);
  writer.EndArray();
  writer.EndObject();
  return NoStoreJson(200, writer);
}

Result<ApiResponse> DisableTotp(service::MfaService& mfa, const RequestContext& context) {
  STRATA_RETURN_IF_ERROR(CheckQueryParameters(context.request, {}));
  STRATA_ASSIGN_OR_RETURN(std::string code, CodeOfBody(context));
  STRATA_RETURN_IF_ERROR(
      mfa.DisableTotp(context.principal, code, service::AddressOfPeer(context.request.peer)));
  return ApiResponse::NoContent();
}

}  // namespace

ApiResponse OAuthErrorResponse(const Status& status, const ApiRequest& request) {
  const std::string_view code = status.problem_code();
  if (code == "missing_credentials" || code == "invalid_token") {
    return ProblemResponse(status, request.request_id).NoStore();
  }
  std::string error;
  std::string description;
  int http_status = 400;
  if (IsOAuthError(code)) {
    error = std::string(code);
    description = std::string(status.message());
    if (code == "invalid_client") http_status = 401;
    if (code == "slow_down") http_status = 429;
    if (code == "temporarily_unavailable") http_status = 503;
  } else if (HttpStatusFor(status.code()) >= 500) {
    error = status.code() == StatusCode::kUnavailable ? "temporarily_unavailable" : "server_error";
    description = PublicMessage(status, request.request_id);
    http_status = HttpStatusFor(status.code());
  } else {
    error = "invalid_request";
    description = std::string(status.message());
  }
  JsonWriter writer;
  writer.BeginObject();
  writer.Member("error", error);
  if (!description.empty()) writer.Member("error_description", description);
  writer.EndObject();
  ApiResponse response = ApiResponse::Json(http_status, writer.Take());
  response.NoStore();
  if (http_status == 401) response.WithHeader("WWW-Authenticate", std::string(kBasicChallenge));
  if (http_status == 429) {
    const int64_t wait = service::ThrottledRetryAfter(status).value_or(1);
    response.WithHeader("Retry-After", std::to_string(wait));
  }
  if (http_status == 503) response.WithHeader("Retry-After", "1");
  return response;
}

void AddAuthRoutes(Router& router, service::TokenService& tokens, service::MfaService& mfa) {
  RouteOptions token_options;
  token_options.public_route = true;
  token_options.offload = true;  // argon2id runs on the worker pool, never on I/O threads.
  token_options.render_error = OAuthErrorResponse;
  token_options.audit = AuditMode::kByService;  // auth.token, by TokenService.
  token_options.audit_action = "auth.token";
  router.Add(
      Method::kPost, "/v1/auth/token",
      [&tokens](const RequestContext& context) { return PostToken(tokens, context); },
      token_options);
  RouteOptions revoke_options;
  revoke_options.render_error = OAuthErrorResponse;
  revoke_options.audit_action = "auth.revoke";
  router.Add(
      Method::kPost, "/v1/auth/revoke",
      [&tokens](const RequestContext& context) { return PostRevoke(tokens, context); },
      revoke_options);
  RouteOptions introspect_options = revoke_options;
  introspect_options.audit_action = "auth.introspect";
  router.Add(
      Method::kPost, "/v1/auth/introspect",
      [&tokens](const RequestContext& context) { return PostIntrospect(tokens, context); },
      introspect_options);
  RouteOptions public_options;
  public_options.public_route = true;
  router.Add(
      Method::kGet, "/.well-known/jwks.json",
      [&tokens](const RequestContext& context) { return GetJwks(tokens, context); },
      public_options);
  for (const char* path :
       {"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"}) {
    router.Add(
        Method::kGet, path,
        [&tokens](const RequestContext& context) { return GetDiscovery(tokens, context); },
        public_options);
  }
  auto mfa_options = [](std::string_view action) {
    RouteOptions options;
    options.render_error = MfaError;
    options.audit_action = action;
    return options;
  };
  router.Add(
      Method::kPost, "/v1/auth/mfa/totp",
      [&mfa](const RequestContext& context) { return BeginTotp(mfa, context); },
      mfa_options("auth.mfa.enrol"));
  router.Add(
      Method::kPost, "/v1/auth/mfa/totp/confirm",
      [&mfa](const RequestContext& context) { return ConfirmTotp(mfa, context); },
      mfa_options("auth.mfa.confirm"));
  router.Add(
      Method::kDelete, "/v1/auth/mfa/totp",
      [&mfa](const RequestContext& context) { return DisableTotp(mfa, context); },
      mfa_options("auth.mfa.disable"));
}

}  // namespace strata::server
