// filter_duplicates: fetched.json minus what earlier runs sent and minus the
// duplicates inside the batch, as new_articles.json.
#pragma once

#include "config.h"
#include "stage_io.h"

namespace dagrun::news {

// Needs NEWS_DATA_DIR (read-only here: the seen-store). An article is dropped
// when its link or normalised title is in the seen-store, or when an earlier
// article of the batch has the same link or normalised title (the same story
// under two keywords or from two outlets: the first one found is kept). The
// rest is written oldest first to <run_dir>/new_articles.json. Pushes XCom
// "summary" {"fetched", "new", "already_sent", "duplicates"}.
void filter_duplicates(const NewsConfig& config, StageIo& io);

}  // namespace dagrun::news
