// FaxIntake: turns a parsed gateway mail into a fax enquiry — channel fax, the caller's fax
// number (E.164) as the sender instead of the gateway's address, the page count, the
// documents, and their OCR text as the body. A fax that cannot be read is still an enquiry,
// tagged fax-unreadable. Runs OCR, so it blocks: call it on the blocking pool (EmailIntake
// does, before the store write). Thread-safe.
#pragma once

#include "channels/email_parser.hpp"
#include "channels/fax_profile.hpp"

#include <string>
#include <vector>

namespace triage::server {

struct FaxSettings {
    std::vector<channels::FaxProfile> profiles = channels::default_fax_profiles();  // fax.profiles first, then these
    std::string region = "FI";
    bool ocr = true;  // fax.ocr
};

// When a profile recognises `parsed`, rewrites its enquiry as a fax and returns true.
bool take_fax(std::string_view raw, channels::ParsedEmail& parsed, const FaxSettings& settings);

}  // namespace triage::server
