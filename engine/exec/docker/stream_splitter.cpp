#include "exec/docker/stream_splitter.h"

#include <algorithm>

namespace dagrun {

void StreamSplitter::feed(std::string_view bytes) {
  while (!bytes.empty() && !corrupt_) {
    if (remaining_ == 0) {
      std::size_t take = std::min(bytes.size(), sizeof header_ - header_len_);
      std::copy_n(bytes.data(), take, header_ + header_len_);
      header_len_ += take;
      bytes.remove_prefix(take);
      if (header_len_ < sizeof header_) return;
      header_len_ = 0;
      if (header_[0] > 3 || header_[1] || header_[2] || header_[3]) {
        corrupt_ = true;
        return;
      }
      // Stream 0 (stdin) is written as stdout, as Docker's own client does.
      current_ = static_cast<OutputStream>(std::max<int>(header_[0], 1));
      remaining_ = std::uint32_t{header_[4]} << 24 | std::uint32_t{header_[5]} << 16 |
                   std::uint32_t{header_[6]} << 8 | std::uint32_t{header_[7]};
      continue;
    }
    std::size_t take = std::min<std::size_t>(bytes.size(), remaining_);
    payload(bytes.substr(0, take));
    remaining_ -= static_cast<std::uint32_t>(take);
    bytes.remove_prefix(take);
  }
}

void StreamSplitter::payload(std::string_view bytes) {
  std::string& partial = partial_[static_cast<int>(current_) - 1];
  while (!bytes.empty()) {
    auto nl = bytes.find('\n');
    std::string_view piece = bytes.substr(0, nl);
    if (nl != std::string_view::npos && partial.empty() && piece.size() <= max_line_) {
      on_line_(current_, piece);  // the common case: a whole line inside one frame, no copy
    } else {
      std::size_t room = max_line_ - partial.size();
      if (piece.size() > room) {
        partial.append(piece.substr(0, room));
        on_line_(current_, partial);
        partial.clear();
        bytes.remove_prefix(room);
        continue;
      }
      partial.append(piece);
      if (nl == std::string_view::npos) return;
      on_line_(current_, partial);
      partial.clear();
    }
    bytes.remove_prefix(nl + 1);
  }
}

void StreamSplitter::finish() {
  for (int i = 0; i < 3; ++i) {
    if (partial_[i].empty()) continue;
    on_line_(static_cast<OutputStream>(i + 1), partial_[i]);
    partial_[i].clear();
  }
}

}  // namespace dagrun
