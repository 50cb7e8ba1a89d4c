#include "server/api/router.h"

#include "common/check.h"

namespace strata::server {
namespace {

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 1;  // Skip the leading '/'.
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

bool IsCapture(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

const std::string& RequestContext::Param(std::string_view name) const {
  for (const auto& [key, value] : path_params) {
    if (key == name) return value;
  }
  STRATA_CHECK(false && "route template has no such parameter");
  static const std::string kEmpty;
  return kEmpty;
}

void Router::Add(Method method, std::string pattern, Handler handler, RouteOptions options) {
  STRATA_CHECK(!pattern.empty() && pattern[0] == '/');
  Route route{method, pattern, std::move(handler), options, {}};
  for (std::string_view segment : Split(pattern)) route.segments.emplace_back(segment);
  for (const Route& other : routes_) {
    STRATA_CHECK(!(other.method == method && other.pattern == pattern));
  }
  routes_.push_back(std::move(route));
}

bool Router::MatchPath(const Route& route, const std::vector<std::string_view>& segments,
                       Params* params) {
  if (route.segments.size() != segments.size()) return false;
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& expected = route.segments[i];
    if (IsCapture(expected)) {
      if (segments[i].empty()) return false;
      continue;
    }
    if (expected != segments[i]) return false;
  }
  if (params != nullptr) {
    params->clear();
    for (size_t i = 0; i < segments.size(); ++i) {
      const std::string& expected = route.segments[i];
      if (IsCapture(expected)) {
        params->emplace_back(expected.substr(1, expected.size() - 2), std::string(segments[i]));
      }
    }
  }
  return true;
}

Router::Match Router::Find(Method method, std::string_view path) const {
  Match match;
  if (path.empty() || path[0] != '/') return match;
  const std::vector<std::string_view> segments = Split(path);
  const Route* get_route = nullptr;
  for (const Route& route : routes_) {
    if (!MatchPath(route, segments, nullptr)) continue;
    if (route.method == method) {
      match.route = &route;
      MatchPath(route, segments, &match.params);
      match.allowed.clear();
      return match;
    }
    if (route.method == Method::kGet) get_route = &route;
    match.allowed.push_back(route.method);
  }
  if (method == Method::kHead && get_route != nullptr) {
    match.route = get_route;
    MatchPath(*get_route, segments, &match.params);
    match.allowed.clear();
    return match;
  }
  if (get_route != nullptr) match.allowed.push_back(Method::kHead);
  return match;
}

}  // namespace strata::server
