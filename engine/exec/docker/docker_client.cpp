#include "exec/docker/docker_client.h"

#include <map>
#include <mutex>

namespace dagrun {
namespace {

// "1.41" -> 41; -1 when it is not "1.<digits>".
int api_minor(std::string_view v) {
  if (v.substr(0, 2) != "1." || v.size() < 3 || v.size() > 6) return -1;
  int minor = 0;
  for (char c : v.substr(2)) {
    if (c < '0' || c > '9') return -1;
    minor = minor * 10 + (c - '0');
  }
  return minor;
}

std::string minor_text(int minor) { return "1." + std::to_string(minor); }

// Negotiated versions by endpoint URL: one GET /version per daemon per process.
std::mutex version_mu;
std::map<std::string, std::string, std::less<>> version_cache;

// An HttpCall seen as a DockerStream.
class HttpStream : public DockerStream {
 public:
  explicit HttpStream(std::unique_ptr<HttpCall> call) : call_(std::move(call)) {}
  bool headers_done() const override { return call_->headers_done(); }
  bool done() const override { return call_->done(); }
  const HttpResponse& response() const override { return call_->response(); }

 private:
  std::unique_ptr<HttpCall> call_;
};

}  // namespace

std::string negotiate_api_version(std::string_view daemon_version, const DockerEndpoint& ep) {
  int minor = api_minor(daemon_version);
  if (minor < 0)
    throw DockerError("the Docker daemon at " + ep.url + " reports an unreadable API version '" +
                          std::string(daemon_version) + "'",
                      false);
  if (minor < kOldestApiMinor)
    throw DockerError("the Docker daemon at " + ep.url + " speaks API " + std::string(daemon_version) +
                          "; dagrun needs " + minor_text(kOldestApiMinor) + " or newer (Docker 17.06 or newer)",
                      false);
  return minor_text(std::min(minor, kNewestApiMinor));
}

WaitResult parse_wait_body(std::string_view body) {
  WaitResult result;
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object()) {
    result.error = "unreadable answer to wait: " + std::string(body.substr(0, 200));
    return result;
  }
  if (auto err = j.find("Error"); err != j.end() && err->is_object()) {
    auto msg = err->find("Message");
    if (msg != err->end() && msg->is_string() && !msg->get<std::string>().empty()) result.error = *msg;
  }
  if (auto code = j.find("StatusCode"); code != j.end() && code->is_number_integer())
    result.exit_code = code->get<int>();
  else if (result.error.empty())
    result.error = "the answer to wait has no StatusCode";
  return result;
}

DockerClient::DockerClient(DockerEndpoint endpoint, std::string image)
    : own_session_(std::make_unique<HttpSession>(std::move(endpoint))),
      session_(*own_session_),
      image_(std::move(image)) {}

std::unique_ptr<DockerApi> connect_docker(const DockerEndpoint& endpoint, const std::string& image) {
  return std::make_unique<DockerClient>(endpoint, image);
}

const std::string& DockerClient::version() {
  if (!version_.empty()) return version_;
  const DockerEndpoint& ep = session_.endpoint();
  if (ep.api_version != "auto") {
    int minor = api_minor(ep.api_version);
    if (minor > kNewestApiMinor || minor < kOldestApiMinor)
      throw DockerConfigError("api_version " + ep.api_version + " is outside what dagrun speaks (" +
                              minor_text(kOldestApiMinor) + " to " + minor_text(kNewestApiMinor) + ")");
    return version_ = ep.api_version;
  }
  {
    std::lock_guard lock(version_mu);
    if (auto it = version_cache.find(ep.url); it != version_cache.end()) return version_ = it->second;
  }
  HttpResponse r = session_.perform({"GET", "/version", {}, std::chrono::seconds(30)});
  if (r.failure != TransportFailure::none) throw transport_error(ep, r);
  if (r.status != 200) throw response_error(ep, "query", image_, r);
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  std::string reported = j.is_object() && j.value("ApiVersion", nlohmann::json()).is_string()
                             ? j["ApiVersion"].get<std::string>()
                             : std::string();
  version_ = negotiate_api_version(reported, ep);
  std::lock_guard lock(version_mu);
  version_cache[ep.url] = version_;
  return version_;
}

std::string DockerClient::path(std::string_view rest) { return "/v" + version() + std::string(rest); }

HttpResponse DockerClient::call(std::string method, std::string_view rest, std::string body,
                                std::chrono::milliseconds timeout) {
  return session_.perform({std::move(method), path(rest), std::move(body), timeout});
}

void DockerClient::expect(const HttpResponse& r, std::string_view operation, std::initializer_list<long> ok) {
  if (r.failure == TransportFailure::none)
    for (long status : ok)
      if (r.status == status) return;
  throw request_error(session_.endpoint(), operation, image_, r);
}

std::string DockerClient::create(const std::string& name, const std::string& body) {
  auto r = call("POST", "/containers/create?name=" + url_encode(name), body);
  expect(r, "create", {201});
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.value("Id", nlohmann::json()).is_string())
    throw DockerError("the Docker daemon at " + session_.endpoint().url + " answered create without an Id", true);
  return j["Id"].get<std::string>();
}

void DockerClient::start(const std::string& id) {
  expect(call("POST", "/containers/" + id + "/start"), "start", {204, 304});
}

void DockerClient::stop(const std::string& id, long grace_seconds) {
  auto timeout = std::chrono::seconds(grace_seconds + 30);
  expect(call("POST", "/containers/" + id + "/stop?t=" + std::to_string(grace_seconds), {}, timeout), "stop",
         {204, 304});
}

void DockerClient::kill(const std::string& id) {
  // 409: it is not running any more, which is what kill wants.
  expect(call("POST", "/containers/" + id + "/kill"), "kill", {204, 409});
}

void DockerClient::remove(const std::string& id) {
  expect(call("DELETE", "/containers/" + id + "?force=1&v=1"), "remove", {204, 404});
}

nlohmann::json DockerClient::inspect(const std::string& id) {
  auto r = call("GET", "/containers/" + id + "/json");
  expect(r, "inspect", {200});
  return nlohmann::json::parse(r.body, nullptr, false);
}

nlohmann::json DockerClient::list(const nlohmann::json& filters) {
  auto r = call("GET", "/containers/json?all=1&filters=" + url_encode(filters.dump()));
  expect(r, "list", {200});
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  return j.is_array() ? j : nlohmann::json::array();
}

std::unique_ptr<DockerStream> DockerClient::begin_attach(const std::string& id, BodySink sink) {
  return std::make_unique<HttpStream>(
      session_.begin({"POST", path("/containers/" + id + "/attach?stream=1&stdout=1&stderr=1"), {}, {}},
                     std::move(sink)));
}

std::unique_ptr<DockerStream> DockerClient::begin_wait(const std::string& id) {
  return std::make_unique<HttpStream>(
      session_.begin({"POST", path("/containers/" + id + "/wait?condition=next-exit"), {}, {}}));
}

}  // namespace dagrun
