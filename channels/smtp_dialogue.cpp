#include "channels/smtp_dialogue.hpp"

#include "engine/text.hpp"

#include <algorithm>
#include <charconv>
#include <fmt/format.h>

namespace triage::channels {
namespace {

std::string upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

std::string lower(std::string_view s) { return ascii_lower(s); }

std::string_view trim(std::string_view s) noexcept { return trim_space(s); }

// "MAIL FROM:" / "RCPT TO:" prefix check, case-insensitive, spaces tolerated before ':'.
std::optional<std::string_view> after_keyword(std::string_view line, std::string_view keyword) {
    if (line.size() < keyword.size() || upper(line.substr(0, keyword.size())) != keyword) return std::nullopt;
    auto rest = trim(line.substr(keyword.size()));
    if (rest.empty() || rest.front() != ':') return std::nullopt;
    return trim(rest.substr(1));
}

}  // namespace

std::optional<SmtpPath> parse_smtp_path(std::string_view arg) {
    arg = trim(arg);
    SmtpPath path;
    std::string_view rest;
    if (!arg.empty() && arg.front() == '<') {
        auto close = arg.find('>');
        if (close == std::string_view::npos) return std::nullopt;
        auto inner = arg.substr(1, close - 1);
        // Drop an obsolete source route "@a,@b:user@host".
        if (!inner.empty() && inner.front() == '@') {
            auto colon = inner.find(':');
            if (colon == std::string_view::npos) return std::nullopt;
            inner.remove_prefix(colon + 1);
        }
        path.address = std::string(inner);
        rest = arg.substr(close + 1);
    } else {  // lenient: some clients omit the brackets
        auto space = arg.find(' ');
        path.address = std::string(arg.substr(0, space));
        rest = space == std::string_view::npos ? std::string_view{} : arg.substr(space);
    }
    if (std::any_of(path.address.begin(), path.address.end(),
                    [](unsigned char c) { return c <= ' ' || c == '<' || c == '>' || c == 0x7f; }))
        return std::nullopt;
    // RFC 5321 4.1.1.3: <Postmaster> without a domain is a recipient every server takes.
    if (!path.address.empty() && lower(path.address) != "postmaster") {
        auto at = path.address.rfind('@');
        if (at == std::string::npos || at == 0 || at + 1 == path.address.size()) return std::nullopt;
    }
    rest = trim(rest);
    while (!rest.empty()) {
        auto space = rest.find(' ');
        auto param = rest.substr(0, space);
        auto eq = param.find('=');
        path.params.emplace_back(upper(param.substr(0, eq)),
                                 eq == std::string_view::npos ? std::string{} : std::string(param.substr(eq + 1)));
        rest = space == std::string_view::npos ? std::string_view{} : trim(rest.substr(space));
    }
    return path;
}

SmtpDialogue::SmtpDialogue(SmtpProtocol protocol, std::string hostname, SmtpLimits limits, RecipientCheck check,
                           std::string remote)
    : protocol_(protocol),
      hostname_(std::move(hostname)),
      limits_(limits),
      check_(std::move(check)),
      remote_(std::move(remote)) {}

std::string SmtpDialogue::greeting() const {
    return fmt::format("220 {} {} Triage ready\r\n", hostname_, protocol_ == SmtpProtocol::lmtp ? "LMTP" : "ESMTP");
}

std::string SmtpDialogue::reply(int code, std::string_view text) const {
    // Enhanced status codes ("2.1.0 ...") only after EHLO/LHLO (RFC 2034).
    if (!extended_) {
        auto space = text.find(' ');
        auto first = text.substr(0, space);
        if (first.size() >= 5 && std::count(first.begin(), first.end(), '.') == 2 && first[0] >= '2' && first[0] <= '5')
            text = space == std::string_view::npos ? std::string_view{} : text.substr(space + 1);
    }
    return fmt::format("{} {}\r\n", code, text);
}

void SmtpDialogue::reset_transaction() {
    mail_from_.clear();
    recipients_.clear();
    data_.clear();
    data_too_large_ = false;
    data_scan_ = 0;
    data_line_after_crlf_ = true;
}

std::string SmtpDialogue::feed(std::string_view bytes) {
    buffer_.append(bytes);
    std::string out;
    while (!closed_ && !pending_) {
        if (state_ == State::data) {
            auto before = state_;
            out += consume_data();
            if (state_ == before && !pending_) break;  // need more bytes
            continue;
        }
        auto nl = buffer_.find('\n');
        if (discarding_line_) {  // the rest of a line already answered as too long
            if (nl == std::string::npos) {
                buffer_.clear();
                break;
            }
            buffer_.erase(0, nl + 1);
            discarding_line_ = false;
            continue;
        }
        if (nl == std::string::npos) {
            if (buffer_.size() > limits_.max_line_bytes) {
                // One reply for the whole line, however many reads bring the rest of it.
                buffer_.clear();
                discarding_line_ = true;
                out += reply(500, "5.5.6 Line too long");
                if (++errors_ >= limits_.max_errors) closed_ = true;
            }
            break;
        }
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        if (line.size() > limits_.max_line_bytes) {
            out += reply(500, "5.5.6 Line too long");
            if (++errors_ >= limits_.max_errors) closed_ = true;
            continue;
        }
        out += handle_command(trim(line));
    }
    if (closed_ && errors_ >= limits_.max_errors && out.find("421") == std::string::npos)
        out += reply(421, "4.7.0 Too many errors, closing connection");
    return out;
}

std::string SmtpDialogue::handle_command(std::string_view line) {
    auto space = line.find(' ');
    const std::string verb = upper(line.substr(0, space));
    const std::string_view arg = space == std::string_view::npos ? std::string_view{} : trim(line.substr(space + 1));
    const bool lmtp = protocol_ == SmtpProtocol::lmtp;
    auto bad = [&](int code, std::string_view text) {
        if (++errors_ >= limits_.max_errors) closed_ = true;
        return reply(code, text);
    };

    if ((verb == "EHLO" && !lmtp) || (verb == "LHLO" && lmtp)) {
        if (arg.empty()) return bad(501, "5.5.4 Syntax: " + verb + " hostname");
        helo_ = std::string(arg);
        extended_ = true;
        reset_transaction();
        state_ = State::ready;
        return fmt::format("250-{} greets {}\r\n250-SIZE {}\r\n250-8BITMIME\r\n250-PIPELINING\r\n"
                           "250 ENHANCEDSTATUSCODES\r\n",
                           hostname_, helo_, limits_.max_message_bytes);
    }
    if (verb == "HELO" && !lmtp) {
        if (arg.empty()) return bad(501, "5.5.4 Syntax: HELO hostname");
        helo_ = std::string(arg);
        extended_ = false;
        reset_transaction();
        state_ = State::ready;
        return reply(250, hostname_);
    }
    if (verb == "EHLO" || verb == "HELO" || verb == "LHLO")
        return bad(500, lmtp ? "5.5.1 This is an LMTP server: use LHLO" : "5.5.1 This is an SMTP server: use EHLO");
    if (verb == "QUIT") {
        closed_ = true;
        return reply(221, "2.0.0 Bye");
    }
    if (verb == "NOOP") return reply(250, "2.0.0 OK");
    if (verb == "RSET") {
        reset_transaction();
        if (state_ != State::greeted) state_ = State::ready;
        return reply(250, "2.0.0 OK");
    }
    if (verb == "VRFY") return reply(252, "2.5.2 Cannot VRFY; send the message and we will try");
    if (verb == "HELP") return reply(214, "2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY");

    if (verb == "MAIL") {
        if (state_ == State::greeted) return bad(503, lmtp ? "5.5.1 Send LHLO first" : "5.5.1 Send EHLO first");
        if (state_ != State::ready) return bad(503, "5.5.1 Nested MAIL command");
        auto rest = after_keyword(line, "MAIL FROM");
        auto path = rest ? parse_smtp_path(*rest) : std::nullopt;
        if (!path) return bad(501, "5.5.4 Syntax: MAIL FROM:<address>");
        for (const auto& [key, value] : path->params) {
            if (key == "SIZE") {
                std::size_t size = 0;
                auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), size);
                const bool digits = !value.empty() && end == value.data() + value.size();
                const bool uncountable = ec == std::errc::result_out_of_range;  // more bytes than size_t holds
                if (!digits || (ec != std::errc{} && !uncountable)) return bad(501, "5.5.4 Bad SIZE value");
                if (uncountable || size > limits_.max_message_bytes)
                    return reply(552, fmt::format("5.3.4 Message size exceeds the limit of {} bytes", limits_.max_message_bytes));
            } else if (key == "BODY") {
                if (upper(value) != "7BIT" && upper(value) != "8BITMIME") return bad(501, "5.5.4 Unsupported BODY type");
            } else {
                return bad(555, fmt::format("5.5.4 Unsupported MAIL parameter {}", key));
            }
        }
        mail_from_ = lower(path->address);
        state_ = State::mail;
        return reply(250, "2.1.0 Sender OK");
    }
    if (verb == "RCPT") {
        if (state_ != State::mail) return bad(503, "5.5.1 Send MAIL first");
        auto rest = after_keyword(line, "RCPT TO");
        auto path = rest ? parse_smtp_path(*rest) : std::nullopt;
        if (!path || path->address.empty()) return bad(501, "5.5.4 Syntax: RCPT TO:<address>");
        // No RCPT extension is advertised (no DSN): NOTIFY=, ORCPT= and the like are refused.
        if (!path->params.empty())
            return bad(555, fmt::format("5.5.4 Unsupported RCPT parameter {}", path->params.front().first));
        if (recipients_.size() >= limits_.max_recipients) return reply(452, "4.5.3 Too many recipients");
        auto address = lower(path->address);
        if (!check_ || !check_(address)) return reply(550, fmt::format("5.1.1 <{}>: no such mailbox here", address));
        if (std::find(recipients_.begin(), recipients_.end(), address) == recipients_.end())
            recipients_.push_back(address);
        return reply(250, "2.1.5 Recipient OK");
    }
    if (verb == "DATA") {
        if (state_ != State::mail) return bad(503, "5.5.1 Send MAIL first");
        if (recipients_.empty()) return bad(554, "5.5.1 No valid recipients");
        if (!arg.empty()) return bad(501, "5.5.4 DATA takes no arguments");
        state_ = State::data;
        data_.clear();
        data_line_after_crlf_ = true;
        return reply(354, "End data with <CR><LF>.<CR><LF>");
    }
    if (verb == "BDAT" || verb == "STARTTLS" || verb == "AUTH" || verb == "ETRN" || verb == "EXPN")
        return bad(502, fmt::format("5.5.1 {} not implemented", verb));
    return bad(500, "5.5.2 Command not recognised");
}

std::string SmtpDialogue::consume_data() {
    // Line by line: dot-unstuffing (RFC 5321 4.5.2) and the lone "." that ends the data. The
    // lines consumed are erased from the buffer once, on the way out, not one at a time
    // (which made a message arriving in large reads quadratic in its line count).
    // Only <CR><LF>.<CR><LF> ends the data. A bare LF is content: ending at "\n.\n",
    // "\r\n.\n" or "\n.\r\n" as well would let a message carry a second, forged transaction
    // past an MTA that sees one message there (SMTP smuggling, CVE-2023-51764/51765/51766).
    std::size_t pos = 0;  // start of the next unconsumed line in buffer_
    while (true) {
        auto nl = buffer_.find('\n', pos + data_scan_);
        if (nl == std::string::npos) {
            buffer_.erase(0, pos);
            // A line with no end yet: keep waiting, but never hold more than the limit.
            if (buffer_.size() > limits_.max_message_bytes + 2) {
                data_too_large_ = true;
                buffer_.clear();
            }
            data_scan_ = buffer_.size();
            return {};
        }
        data_scan_ = 0;
        std::string_view line(buffer_.data() + pos, nl + 1 - pos);
        const bool at_line_start = data_line_after_crlf_;
        data_line_after_crlf_ = line.ends_with("\r\n");
        const bool end = at_line_start && line == ".\r\n";
        if (!end) {
            if (at_line_start && line.front() == '.') line.remove_prefix(1);
            if (data_.size() + line.size() > limits_.max_message_bytes) data_too_large_ = true;
            if (!data_too_large_) data_.append(line);
        }
        pos = nl + 1;
        if (!end) continue;

        buffer_.erase(0, pos);
        state_ = State::ready;
        if (data_too_large_) {
            reset_transaction();
            return reply(552, fmt::format("5.3.4 Message exceeds the limit of {} bytes", limits_.max_message_bytes));
        }
        pending_recipients_ = recipients_.size();  // the listener moves the envelope out to deliver it
        pending_ = SmtpEnvelope{helo_, mail_from_, recipients_, std::move(data_), remote_,
                                protocol_ == SmtpProtocol::lmtp ? "LMTP" : extended_ ? "ESMTP" : "SMTP"};
        reset_transaction();
        return {};
    }
}

std::string SmtpDialogue::delivered(const std::vector<SmtpReply>& replies) {
    std::string out;
    const std::size_t count = protocol_ == SmtpProtocol::lmtp ? std::max<std::size_t>(pending_recipients_, 1) : 1;
    for (std::size_t i = 0; i < count; ++i) {
        const SmtpReply r = replies.empty() ? SmtpReply{451, "4.3.0 Delivery failed"} : replies[std::min(i, replies.size() - 1)];
        out += reply(r.code, r.text);
    }
    pending_.reset();
    pending_recipients_ = 0;
    return out;
}

}  // namespace triage::channels
