// RFC 3676 format=flowed text to ordinary lines: soft line breaks (a line ending in a space)
// joined, space-stuffing removed, quote depth respected, the "-- " signature line kept.
// Pure function; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace triage::channels {

// `delete_space`: the DelSp=yes parameter (the space before a soft break is not text).
std::string unflow_text(std::string_view text, bool delete_space);

}  // namespace triage::channels
