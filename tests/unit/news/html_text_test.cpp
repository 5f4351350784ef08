#include <doctest/doctest.h>

#include "news/html_text.h"
#include "news/title_key.h"

using namespace dagrun::news;

TEST_CASE("strip_tags removes tags, comments and quoted attributes, and keeps text '<'") {
  CHECK(strip_tags("<b>서울 지하철</b> 파업") == "서울 지하철 파업");
  CHECK(strip_tags("<b><i>2호선</i></b> 지연") == "2호선 지연");
  CHECK(strip_tags("<a href=\"x>y\" title='a>b'>link</a>") == "link");
  CHECK(strip_tags("a<!-- hidden <b> -->b<br/>c") == "abc");
  CHECK(strip_tags("1 < 2 and 3 > 2, <3") == "1 < 2 and 3 > 2, <3");
  CHECK(strip_tags("unterminated <b tag") == "unterminated <b tag");
  CHECK(strip_tags("<b <i>x</i>") == "<b x");
  CHECK(strip_tags("trailing <") == "trailing <");
  CHECK(strip_tags("</>") == "</>");
}

TEST_CASE("decode_entities: named, decimal and hex entities become UTF-8") {
  CHECK(decode_entities("&quot;복구&quot; &amp; &lt;속보&gt; it&apos;s &#39;q&#39;") == "\"복구\" & <속보> it's 'q'");
  CHECK(decode_entities("노&#183;사 &middot; &#xB7; &#XB7;") == "노·사 · · ·");
  CHECK(decode_entities("&#49436;&#xC6B8;") == "서울");           // Hangul by number
  CHECK(decode_entities("&#x1F687;") == "\xF0\x9F\x9A\x87");    // U+1F687 metro, four bytes
  CHECK(decode_entities("a&nbsp;b") == "a\xC2\xA0" "b");
  CHECK(decode_entities("&hellip;&ldquo;x&rdquo;") == "…“x”");
}

TEST_CASE("decode_entities leaves what is not an entity alone and replaces invalid code points") {
  CHECK(decode_entities("AT&T R&D") == "AT&T R&D");
  CHECK(decode_entities("&unknown; &amp") == "&unknown; &amp");
  CHECK(decode_entities("&#; &#x; &#12a;") == "&#; &#x; &#12a;");
  CHECK(decode_entities("&#xD800;") == "\xEF\xBF\xBD");      // a surrogate
  CHECK(decode_entities("&#1114112;") == "\xEF\xBF\xBD");    // past U+10FFFF
  CHECK(decode_entities("&#0;") == "\xEF\xBF\xBD");
  CHECK(decode_entities("&#9999999999;") == "\xEF\xBF\xBD");  // no overflow
  CHECK(decode_entities("&#99999999999999999999;") == "&#99999999999999999999;");  // too long to be one
  CHECK(decode_entities("&amp;lt;") == "&lt;");  // decoded once, not twice
}

TEST_CASE("clean_html_text strips tags before decoding, so escaped brackets stay text") {
  CHECK(clean_html_text("&lt;속보&gt; <b>지하철</b>   2호선\n\t지연&nbsp; ") == "<속보> 지하철 2호선 지연");
  CHECK(clean_html_text("  ") == "");
}

TEST_CASE("title_key ignores markup, punctuation, case and spacing") {
  const std::string a = title_key("[속보] <b>서울 지하철</b>…2호선 &quot;운행 지연&quot;!");
  CHECK(a == "속보 서울 지하철 2호선 운행 지연");
  CHECK(title_key("속보: 서울   지하철 2호선 '운행 지연'") == a);
  CHECK(title_key("「속보」서울 지하철·2호선 “운행 지연”") == a);
  CHECK(title_key("GTX-A 개통") == title_key("gtx a 개통"));
  CHECK(title_key("ＧＴＸ－Ａ 개통") == title_key("GTX-A 개통"));  // fullwidth forms
  CHECK(title_key("서울 지하철 2호선") != title_key("서울 지하철 3호선"));
  CHECK(title_key("…!?") == "");
}
