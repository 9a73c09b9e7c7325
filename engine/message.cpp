#include "engine/message.hpp"

namespace triage {

std::string_view to_string(MessageKind k) noexcept {
    switch (k) {
        case MessageKind::inbound: return "inbound";
        case MessageKind::reply: return "reply";
        case MessageKind::note: return "note";
    }
    return "unknown";
}

std::optional<MessageKind> parse_message_kind(std::string_view s) noexcept {
    if (s == "inbound") return MessageKind::inbound;
    if (s == "reply") return MessageKind::reply;
    if (s == "note") return MessageKind::note;
    return std::nullopt;
}

std::string_view to_string(AuthorKind k) noexcept {
    switch (k) {
        case AuthorKind::customer: return "customer";
        case AuthorKind::agent: return "agent";
        case AuthorKind::system: return "system";
    }
    return "unknown";
}

}  // namespace triage
