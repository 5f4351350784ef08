// Naver returns titles and descriptions as HTML fragments: the query words in
// <b>...</b>, and text escaped with named and numeric entities. These turn
// them into plain UTF-8 text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace dagrun::news {

// Appends the UTF-8 encoding of a code point; surrogates and values past
// U+10FFFF become U+FFFD.
void append_utf8(std::string& out, std::uint32_t code_point);

// Removes tags (<b>, </b>, <a href="x>y">, <!-- comments -->, <br/>). A '<'
// that does not start a tag ("a < b", "<3") is kept, as is an unterminated tag.
std::string strip_tags(std::string_view html);

// Decodes &name; &#NNN; &#xHH; entities. Unknown names and entities without
// their ';' stay as written; invalid code points become U+FFFD.
std::string decode_entities(std::string_view text);

// strip_tags, then decode_entities, then collapse whitespace runs (including
// no-break spaces) into one space and trim: what the bot shows and stores.
std::string clean_html_text(std::string_view html);

}  // namespace dagrun::news
