// Reading GMime's MIME tree: a part's decoded content, an embedded message's bytes, the
// first raw header of a name, content types and parameters as plain strings. Helpers over
// objects the caller owns; thread-safe for distinct objects.
#pragma once

#include "channels/mime_gobject.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace triage::channels {

// The content with its transfer encoding (base64, quoted-printable, uuencode) undone;
// damaged encodings are decoded as far as they go.
std::string part_content(GMimePart* part);

// An object (an embedded message, a part) written out as MIME bytes.
std::string object_bytes(GMimeObject* object);

// The raw (folded, undecoded) value of the first header called `name` (any case).
std::optional<std::string> first_raw_header(GMimeObject* object, std::string_view name);
std::optional<std::string> first_raw_header(GMimeHeaderList* headers, std::string_view name);

// The raw value of the first header called `name` in the header block at the start of
// `bytes` (an embedded message kept as bytes); unfolded, undecoded.
std::optional<std::string> raw_header_in_bytes(std::string_view bytes, std::string_view name);

// "type/subtype" in lower case; "text/plain" when GMime has none.
std::string mime_type(GMimeObject* object);

// What the bytes are by their signature ("magic"): image/png, image/jpeg, image/gif,
// application/pdf or image/tiff; "" for anything else. Senders mislabel documents
// (a PDF as application/octet-stream); the bytes do not lie.
std::string_view sniffed_media_type(std::string_view bytes) noexcept;

// A Content-Type parameter as GMime decoded it (RFC 2231), "" when absent.
std::string content_type_parameter(GMimeObject* object, const char* name);

}  // namespace triage::channels
