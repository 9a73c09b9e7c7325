// Builds an outgoing email with GMime (never by hand): From, To, Reply-To, Subject (RFC 2047
// when not ASCII), Date, Message-ID, In-Reply-To, References, Auto-Submitted for automatic
// mail, and a UTF-8 text/plain body in quoted-printable. CRLF line ends, ready for SMTP DATA
// (before dot-stuffing). A pure function of its input; thread-safe.
#pragma once

#include "engine/ticket.hpp"

#include <string>
#include <vector>

namespace triage::channels {

struct OutgoingEmail {
    std::string from_name;
    std::string from_address;
    std::string to_name;
    std::string to_address;
    std::string reply_to;  // "" for none
    std::string subject;   // UTF-8
    std::string body;      // UTF-8 text; LF or CRLF line ends
    std::string message_id;                // "<...>"
    std::string in_reply_to;               // "<...>" or ""
    std::vector<std::string> references;  // "<...>" each, oldest first
    bool auto_submitted = false;          // Auto-Submitted: auto-replied (RFC 3834)
    bool auto_generated = false;          // Auto-Submitted: auto-generated (notices; RFC 3834)
    Timestamp date{};                     // UTC
};

std::string build_email(const OutgoingEmail& email);

}  // namespace triage::channels
