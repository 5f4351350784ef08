#include "stage_io.h"

#include <exception>

#include "stage_error.h"

namespace dagrun::news {

dagrun_status run_guarded(const StageHost& host, const std::string& stage, const std::function<void()>& body) {
  dagrun_status status = DAGRUN_SUCCESS;
  std::string error;
  try {
    body();
  } catch (const StageError& e) {
    status = e.status();
    error = e.what();
  } catch (const std::exception& e) {
    status = DAGRUN_FAILED;
    error = std::string("unexpected error: ") + e.what();
  } catch (...) {
    status = DAGRUN_FAILED;
    error = "unexpected error of unknown type";
  }
  if (status != DAGRUN_SUCCESS) {
    const std::string message = stage + ": " + error;
    host.log(DAGRUN_LOG_ERROR, message);
    host.set_error(message);
  }
  return status;
}

void check_cancelled(const StageIo& io, const std::string& when) {
  if (io.host.cancelled()) throw StageError("cancelled " + when);
}

std::string utf8_prefix(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t cut = max_bytes;
  // Back off continuation bytes (10xxxxxx) so no character is split.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "...";
}

}  // namespace dagrun::news
