// JSON text for the list-valued columns (ticket tags, agent queues/skills/languages,
// message attachments, event field changes): valid JSON so SQLite's json functions can read
// it too. Decoding throws std::runtime_error on text this code did not write. Pure functions.
#pragma once

#include "engine/json_text.hpp"
#include "engine/message.hpp"
#include "engine/ticket_event.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace triage::sqlite {

// JSON string literals: engine/json_text.hpp.
using triage::append_json_string;

std::string encode_strings(const std::vector<std::string>& values);  // ["a","b"]
std::vector<std::string> decode_strings(std::string_view json);

std::string encode_attachments(const std::vector<Attachment>& attachments);
std::vector<Attachment> decode_attachments(std::string_view json);

std::string encode_changes(const std::vector<FieldChange>& changes);
std::vector<FieldChange> decode_changes(std::string_view json);

}  // namespace triage::sqlite
