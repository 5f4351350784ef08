// The proxy's decisions, one JSON object per line, each with its reason:
// what an operator reads to see who asked the daemon for what.
#pragma once

#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>

namespace dagrun::proxy {

struct AuditEntry {
  long client_pid = -1;  // a Unix socket's: the kernel's peer credentials
  long client_uid = -1;
  std::string client_cert;     // TCP: the verified client certificate's subject
  std::string client_address;  // TCP: the peer's address and port
  std::string method;
  std::string path;      // the request target as sent, cut at 512 bytes
  bool allowed = false;
  int status = 0;        // the answer's status (the daemon's when allowed)
  std::string reason;
  std::string container;  // the container's full id, when one was checked or created
  std::string dag_id;     // a create body's dagrun.dag_id label
};

class AuditLog {
 public:
  // Appends to path; stderr when path is empty. Throws std::runtime_error
  // when the file cannot be opened.
  explicit AuditLog(const std::filesystem::path& path);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  void write(const AuditEntry& e);

 private:
  std::FILE* file_ = nullptr;
  bool own_ = false;
  std::mutex mu_;
};

}  // namespace dagrun::proxy
