#include "engine/outbound_mail.hpp"

namespace triage {

std::string_view to_string(OutboundKind k) noexcept {
    switch (k) {
        case OutboundKind::acknowledgement: return "acknowledgement";
        case OutboundKind::reply: return "reply";
        case OutboundKind::auto_reply: return "auto_reply";
        case OutboundKind::notice: return "notice";
        case OutboundKind::report: return "report";
    }
    return "unknown";
}

std::optional<OutboundKind> parse_outbound_kind(std::string_view s) noexcept {
    if (s == "acknowledgement") return OutboundKind::acknowledgement;
    if (s == "reply") return OutboundKind::reply;
    if (s == "auto_reply") return OutboundKind::auto_reply;
    if (s == "notice") return OutboundKind::notice;
    if (s == "report") return OutboundKind::report;
    return std::nullopt;
}

std::string_view to_string(OutboundState s) noexcept {
    switch (s) {
        case OutboundState::pending: return "pending";
        case OutboundState::sending: return "sending";
        case OutboundState::sent: return "sent";
        case OutboundState::failed: return "failed";
    }
    return "unknown";
}

std::optional<OutboundState> parse_outbound_state(std::string_view s) noexcept {
    if (s == "pending") return OutboundState::pending;
    if (s == "sending") return OutboundState::sending;
    if (s == "sent") return OutboundState::sent;
    if (s == "failed") return OutboundState::failed;
    return std::nullopt;
}

}  // namespace triage
