#include "proxy/audit_log.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "model/iso_time.h"

namespace dagrun::proxy {

AuditLog::AuditLog(const std::filesystem::path& path) {
  if (path.empty()) {
    file_ = stderr;
    return;
  }
  file_ = std::fopen(path.c_str(), "ae");
  if (!file_) throw std::runtime_error("cannot open the audit log " + path.string() + ": " + std::strerror(errno));
  own_ = true;
}

AuditLog::~AuditLog() {
  if (own_) std::fclose(file_);
}

void AuditLog::write(const AuditEntry& e) {
  nlohmann::json j = nlohmann::json::object();
  j["time"] = format_iso8601(std::chrono::system_clock::now());
  if (e.client_address.empty()) {
    j["client_pid"] = e.client_pid;
    j["client_uid"] = e.client_uid;
  } else {
    j["client_address"] = e.client_address;
    j["client_cert"] = e.client_cert;
  }
  j["method"] = e.method;
  j["path"] = e.path.substr(0, 512);
  j["decision"] = e.allowed ? "allow" : "deny";
  j["status"] = e.status;
  j["reason"] = e.reason;
  if (!e.container.empty()) j["container"] = e.container;
  if (!e.dag_id.empty()) j["dag_id"] = e.dag_id;
  // Whatever a client sent (bytes that are not UTF-8 in a path) is written
  // escaped rather than dropping the line.
  std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::lock_guard lock(mu_);
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
}

}  // namespace dagrun::proxy
