// Phone and fax numbers to E.164 ("+358401234567") with libphonenumber: national numbers
// are read in the configured default region (e.g. FI), "00" and "+" prefixes as
// international. Withheld caller IDs ("anonymous", "restricted", zeros) and extensions are
// not numbers. Stateless over libphonenumber's singleton; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace triage::channels {

// The number in E.164, or nullopt when `raw` is not a possible phone number.
// `region` is an ISO 3166 code such as "FI".
std::optional<std::string> to_e164(std::string_view raw, std::string_view region);

// The number part of a caller ID written as a URI ("tel:+358...", "sip:+358...@pbx;user=phone"),
// trimmed; any other text trimmed as it is.
std::string_view caller_id_user(std::string_view raw);

// True for what a PBX writes for an outside number, formatted or not ("+358 40 123 4567",
// "(09) 4242 100", "040-123 4567", "tel:+372..."): digits with the usual separators, more
// than five of them (or a leading +). Extensions ("2001") and dialplan names ("s") are not.
bool looks_like_phone_number(std::string_view raw);

// True for the caller IDs a PBX writes when the number is withheld or unknown.
bool is_withheld_caller_id(std::string_view raw);

}  // namespace triage::channels
