// Fax gateways: the mail a fax gateway sends for each received fax (HylaFAX faxrcvd,
// Asterisk ReceiveFAX mail scripts, mgetty new_fax, e-fax services) is recognised by a
// profile — sender address, subject pattern with a capture for the caller's number, header
// names (CSID/TSI), body labels, attachment types — and read into a FaxMail: the caller's
// number in E.164, the page count and the documents. Pure; thread-safe.
#pragma once

#include "channels/email_parser.hpp"

#include <optional>
#include <string>
#include <vector>

namespace triage::channels {

struct FaxProfile {
    std::string name;
    std::string sender;                     // address, or "*@domain", or "local@*"; lower case
    std::string subject;                    // ECMAScript regex; capture 1 = the caller's number (optional)
    std::vector<std::string> number_headers;  // e.g. X-Fax-CSID, X-TSI
    std::vector<std::string> number_labels;   // body lines "Sender: +358…", "Remote station: …"
    std::vector<std::string> page_labels;     // body lines "Pages: 2", "Seiten: 1"
    std::vector<std::string> attachment_types = {"application/pdf", "image/tiff", "image/png"};
};

// The shipped profiles: hylafax, asterisk, mgetty, efax.
std::vector<FaxProfile> default_fax_profiles();

struct FaxMail {
    std::string profile;
    std::string number;       // E.164; "" when the gateway named none we could read
    std::string number_raw;   // as written (a CSID such as "OFFICEJET" when it is not a number)
    std::string caller_name;  // from a Caller ID line, when given
    int pages = 0;            // from the gateway's text; 0 when it did not say
    std::vector<std::size_t> documents;  // indexes into ParsedEmail::attachments
};

// The fax in a parsed mail, when a profile recognises it. `raw` gives the headers.
// A document's type by its bytes when they say (a PDF sent as application/octet-stream or
// labelled image/tiff), else as the mail declares it.
std::string fax_document_type(const EmailAttachment& attachment);

std::optional<FaxMail> recognise_fax(std::string_view raw, const ParsedEmail& mail, const std::vector<FaxProfile>& profiles,
                                     std::string_view region);

}  // namespace triage::channels
