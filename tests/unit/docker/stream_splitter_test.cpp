#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "exec/docker/stream_splitter.h"

using namespace dagrun;

namespace {

std::string frame(int stream, std::string_view payload) {
  std::string f(8, '\0');
  f[0] = static_cast<char>(stream);
  auto n = static_cast<std::uint32_t>(payload.size());
  f[4] = static_cast<char>(n >> 24);
  f[5] = static_cast<char>(n >> 16);
  f[6] = static_cast<char>(n >> 8);
  f[7] = static_cast<char>(n);
  return f + std::string(payload);
}

struct Collected {
  std::vector<std::string> out, err, daemon;
  StreamSplitter::LineFn fn() {
    return [this](OutputStream s, std::string_view line) {
      (s == OutputStream::stdout_stream ? out : s == OutputStream::stderr_stream ? err : daemon)
          .emplace_back(line);
    };
  }
};

using Lines = std::vector<std::string>;

}  // namespace

TEST_CASE("frames holding several lines give one call per line") {
  Collected c;
  StreamSplitter s(c.fn());
  s.feed(frame(1, "first\nsecond\nthird\n"));
  CHECK(c.out == Lines{"first", "second", "third"});
  CHECK(c.err.empty());
}

TEST_CASE("a stream fed one byte at a time gives the same lines") {
  std::string stream = frame(1, "alpha\nbe") + frame(2, "oops\n") + frame(1, "ta\n") + frame(1, "") +
                       frame(1, std::string(70000, 'x') + "\n");
  Collected whole, bytes;
  StreamSplitter a(whole.fn()), b(bytes.fn());
  a.feed(stream);
  for (char ch : stream) b.feed(std::string_view(&ch, 1));
  a.finish();
  b.finish();
  CHECK(whole.out == Lines{"alpha", "beta", std::string(70000, 'x')});
  CHECK(whole.err == Lines{"oops"});
  CHECK(bytes.out == whole.out);
  CHECK(bytes.err == whole.err);
}

TEST_CASE("a line split across frames is joined, and stdout and stderr keep separate partial lines") {
  Collected c;
  StreamSplitter s(c.fn());
  s.feed(frame(1, "out-") + frame(2, "err-") + frame(1, "line\n") + frame(2, "line\n"));
  CHECK(c.out == Lines{"out-line"});
  CHECK(c.err == Lines{"err-line"});
}

TEST_CASE("partial last lines are flushed by finish, once") {
  Collected c;
  StreamSplitter s(c.fn());
  s.feed(frame(1, "done\nno newline") + frame(2, "err tail"));
  CHECK(c.out == Lines{"done"});
  s.finish();
  CHECK(c.out == Lines{"done", "no newline"});
  CHECK(c.err == Lines{"err tail"});
  s.finish();
  CHECK(c.out.size() == 2);
}

TEST_CASE("empty lines and carriage returns are kept as written") {
  Collected c;
  StreamSplitter s(c.fn());
  s.feed(frame(1, "a\n\nb\r\n"));
  CHECK(c.out == Lines{"a", "", "b\r"});
}

TEST_CASE("a line longer than the limit is cut into pieces") {
  Collected c;
  StreamSplitter s(c.fn(), 4);
  s.feed(frame(1, "abcdefghij\nxy"));
  s.feed(frame(1, "zzz\n"));
  CHECK(c.out == Lines{"abcd", "efgh", "ij", "xyzz", "z"});
}

TEST_CASE("the daemon's own error frames are told apart, stdin frames count as stdout") {
  Collected c;
  StreamSplitter s(c.fn());
  s.feed(frame(3, "error from daemon\n") + frame(0, "from stdin stream\n"));
  CHECK(c.daemon == Lines{"error from daemon"});
  CHECK(c.out == Lines{"from stdin stream"});
}

TEST_CASE("a header that names no stream marks the stream corrupt and stops parsing") {
  Collected c;
  StreamSplitter s(c.fn());
  s.feed(frame(1, "good\n") + "HTTP/1.1 garbage that is not a frame\n" + frame(1, "after\n"));
  CHECK(s.corrupt());
  CHECK(c.out == Lines{"good"});
}
