// Enquiry: the one normalised form every inbound channel produces (email, fax, web form,
// phone, API). Intake turns it into ticket changes. A plain value, owned by its channel
// until handed to Intake.
#pragma once

#include "engine/customer.hpp"
#include "engine/message.hpp"
#include "engine/pending_blob.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace triage {

struct ThreadHints {
    std::optional<TicketId> ticket_id;     // explicit: API call, or a ticket key found in the subject
    std::vector<std::string> references;  // external ids this replies to (In-Reply-To first, then References)
};

// What an enquiry is besides a person writing: machine-sent mail never opens a conversation
// loop (RFC 3834), and a bounce never opens a ticket at all.
enum class EnquiryKind {
    message,     // a person wrote
    auto_reply,  // out-of-office and other auto-submitted mail: a note on its ticket
    bounce,      // a delivery status notification: a note on the ticket of the bounced message
};

struct Enquiry {
    Channel channel = Channel::api;
    EnquiryKind kind = EnquiryKind::message;
    Timestamp received_at{};
    std::string external_id;  // e.g. Message-ID, CDR unique id; "" when the channel has none
    // external_id is a client's idempotency key (the API's Idempotency-Key or external_id):
    // a duplicate must be the same request, so one with another text or sender is refused
    // (422) instead of being answered with the first ticket. Off for mail and CDR files,
    // whose copies of one message may differ (list footers, relays, CDR updates).
    bool client_idempotency_key = false;
    std::string sender_name;
    std::vector<Identity> sender;  // every identity the sender gave; first is primary
    std::string organisation;
    std::string subject;
    std::string text;                 // UTF-8
    std::optional<std::string> html;  // sanitised
    std::vector<Attachment> attachments;
    ThreadHints thread;
    std::string raw_sha256;  // raw inbound bytes kept by the BlobStore
    // Raw bytes and attachments staged by the channel (BlobStore::stage) that Intake stores in
    // the enquiry's own transaction, whatever the outcome (a duplicate, an unthreaded bounce).
    std::vector<PendingBlob> blobs;
    std::map<std::string, std::string> metadata;  // channel-specific

    // Routing hints that a channel or the API may give for a new ticket.
    std::string queue;
    std::string category;
    std::optional<Priority> priority;
    std::vector<std::string> tags;
    std::string language;
};

}  // namespace triage
