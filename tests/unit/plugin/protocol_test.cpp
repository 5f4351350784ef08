#include <doctest/doctest.h>

#include <algorithm>

#include "plugin/protocol.h"

using namespace dagrun::protocol;

TEST_CASE("a request survives the trip to the host") {
  Request r;
  r.plugin_path = "/lib/dagrun/plugins/dagrun_x.so";
  r.context.task_id = "fetch";
  r.context.try_number = 3;
  r.context.params_json = R"({"token":"s3cr3t","n":[1,2]})";
  r.context.env = {{"A", "1"}, {"B", "two words"}};
  r.memory_limit = 64ull << 20;
  r.memory_error = "memory limit of 64 MiB exceeded";
  r.cpu_limit_seconds = 2;
  auto line = encode(r);
  CHECK(line.back() == '\n');
  CHECK(std::count(line.begin(), line.end(), '\n') == 1);
  auto back = decode_request(line.substr(0, line.size() - 1));
  CHECK(back.plugin_path == r.plugin_path);
  CHECK(back.context.task_id == "fetch");
  CHECK(back.context.try_number == 3);
  CHECK(back.context.params_json == r.context.params_json);
  CHECK(back.context.env == r.context.env);
  CHECK(back.memory_limit == r.memory_limit);
  CHECK(back.memory_error == r.memory_error);
  CHECK(back.cpu_limit_seconds == 2);
}

TEST_CASE("a request from another protocol version is refused") {
  CHECK_THROWS_WITH_AS(decode_request(R"({"v":7,"plugin":"/x"})"), doctest::Contains("protocol version 7, expected 1"),
                       ProtocolError);
  CHECK_THROWS_AS(decode_request("not json"), ProtocolError);
}

TEST_CASE("messages and replies round-trip") {
  Message push;
  push.type = Message::Type::push;
  push.key = "count";
  push.value = "42";
  auto m = decode_message(encode(push));
  CHECK(m.type == Message::Type::push);
  CHECK(m.key == "count");
  CHECK(m.value == "42");

  Message fatal;
  fatal.type = Message::Type::fatal;
  fatal.text = "memory limit of 64 MiB exceeded";
  fatal.no_retry = true;
  auto f = decode_message(encode(fatal));
  CHECK(f.type == Message::Type::fatal);
  CHECK(f.no_retry);

  CHECK(decode_reply(encode(Reply{"", std::string("\"v\"")})).value == "\"v\"");
  CHECK_FALSE(decode_reply(encode(Reply{})).value);
  CHECK(decode_reply(encode(Reply{"too big", std::nullopt})).error == "too big");
  CHECK_THROWS_WITH_AS(decode_message(R"({"t":"launch"})"), "unknown message type 'launch'", ProtocolError);
}

TEST_CASE("invalid UTF-8 from a plugin is replaced, not fatal") {
  Message log;
  log.text = std::string("bad \xff byte");
  auto m = decode_message(encode(log));
  CHECK(m.text.find("bad ") == 0);
  CHECK(m.text.find("byte") != std::string::npos);
}

TEST_CASE("the line buffer splits a stream into lines and bounds their length") {
  LineBuffer b;
  b.append("one\ntw", 6);
  CHECK(b.next() == "one");
  CHECK_FALSE(b.next());
  b.append("o\n\n", 3);
  CHECK(b.next() == "two");
  CHECK(b.next() == "");
  CHECK_FALSE(b.next());

  LineBuffer flood;
  std::string chunk(64 * 1024, 'x');
  for (size_t i = 0; i <= kMaxLine / chunk.size(); ++i) flood.append(chunk.data(), chunk.size());
  CHECK_THROWS_AS(flood.next(), ProtocolError);
}
