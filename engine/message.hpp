// Message: one entry in a ticket's thread — an inbound enquiry, an agent's reply, or an
// internal note. Body text is always UTF-8; HTML, when kept, is already sanitised.
// Attachments are stored content-addressed (SHA-256) by the BlobStore; only metadata here.
#pragma once

#include "engine/ticket.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace triage {

enum class MessageKind { inbound, reply, note };
enum class AuthorKind { customer, agent, system };

std::string_view to_string(MessageKind k) noexcept;
std::optional<MessageKind> parse_message_kind(std::string_view s) noexcept;
std::string_view to_string(AuthorKind k) noexcept;

struct Attachment {
    std::string filename;
    std::string content_type;
    std::int64_t size = 0;
    std::string sha256;  // hex; names the blob
};

struct Message {
    MessageId id = 0;
    TicketId ticket_id = 0;
    MessageKind kind = MessageKind::inbound;
    AuthorKind author_kind = AuthorKind::customer;
    std::int64_t author_id = 0;  // customer or agent id; 0 for system
    std::string author_name;
    Channel channel = Channel::api;
    std::string body;                // UTF-8 text
    // The whole text as it came, when quoted history or a signature was split off the new
    // text in `body` (email); nullopt when body is all of it.
    std::optional<std::string> full_body;
    std::optional<std::string> html;  // sanitised HTML for display
    std::vector<Attachment> attachments;
    std::string external_id;  // e.g. Message-ID; unique per channel when set
    std::string raw_sha256;   // the raw inbound bytes, when the channel kept them
    Timestamp created_at{};
};

}  // namespace triage
