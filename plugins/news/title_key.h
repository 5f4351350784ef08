// The key under which two articles count as the same story: the same title
// from two outlets, or under two keywords, however each was marked up.
#pragma once

#include <string>
#include <string_view>

namespace dagrun::news {

// Strips tags, decodes entities, treats punctuation and symbols (ASCII and the
// Unicode punctuation, CJK symbol and fullwidth blocks) as spaces, lowercases
// ASCII and fullwidth Latin, collapses whitespace and trims.
// "[속보] 서울 지하철…<b>파업</b>!" and "속보 서울 지하철 파업" give the same key.
std::string title_key(std::string_view title_html);

}  // namespace dagrun::news
