// SmtpDialogue: the server side of one SMTP (RFC 5321) or LMTP (RFC 2033) session as a
// pure state machine — lines in, replies out, a complete message handed over for delivery.
// No sockets: the listener feeds it bytes and writes what it returns. Supports EHLO/HELO
// (LHLO for LMTP), MAIL, RCPT, DATA, RSET, NOOP, QUIT, VRFY, HELP with SIZE, 8BITMIME,
// PIPELINING and ENHANCEDSTATUSCODES. One instance per connection; not thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace triage::channels {

enum class SmtpProtocol { smtp, lmtp };

struct SmtpLimits {
    std::size_t max_message_bytes = 25u << 20;  // advertised as SIZE; larger messages get 552
    std::size_t max_recipients = 100;
    std::size_t max_line_bytes = 4096;          // command lines (RFC 5321 says 512; be lenient)
    int max_errors = 20;                        // bad commands before we hang up
};

// A message received in full: the envelope and the raw bytes (dot-unstuffed, CRLF kept).
struct SmtpEnvelope {
    std::string helo;
    std::string mail_from;                // "" for the null sender <>
    std::vector<std::string> recipients;  // as accepted, lower-case
    std::string data;
    std::string remote;  // peer address, for Received: and logs
    std::string with = "ESMTP";  // Received: "with" (RFC 3848): SMTP after HELO, ESMTP after EHLO, LMTP
};

// The answer to a delivered message: one reply for SMTP, one per recipient for LMTP
// (the listener passes the same reply for each when delivery is all-or-nothing).
struct SmtpReply {
    int code = 250;
    std::string text;  // without the code, e.g. "2.0.0 queued as T-42"
};

class SmtpDialogue {
public:
    // Decides whether a recipient is ours: empty optional = unknown (550 5.1.1).
    using RecipientCheck = std::function<bool(std::string_view address)>;

    SmtpDialogue(SmtpProtocol protocol, std::string hostname, SmtpLimits limits, RecipientCheck check,
                 std::string remote = {});

    // The greeting to send on connect.
    std::string greeting() const;

    // Feeds received bytes. Returns the reply text to send now (possibly several replies
    // for pipelined commands; possibly empty). When a message is complete, stops consuming
    // and `pending_message()` holds it: deliver it, then call `delivered(...)`, then feed()
    // again with an empty string_view to continue with the bytes already buffered.
    std::string feed(std::string_view bytes);

    std::optional<SmtpEnvelope>& pending_message() { return pending_; }
    // The delivery outcome: for LMTP one reply per recipient (in order); for SMTP the first.
    std::string delivered(const std::vector<SmtpReply>& replies);

    bool closed() const { return closed_; }  // QUIT answered, or too many errors

private:
    enum class State { greeted, ready, mail, data };

    std::string handle_command(std::string_view line);
    std::string consume_data();
    void reset_transaction();
    std::string reply(int code, std::string_view text) const;

    SmtpProtocol protocol_;
    std::string hostname_;
    SmtpLimits limits_;
    RecipientCheck check_;
    std::string remote_;

    State state_ = State::greeted;
    bool discarding_line_ = false;  // skipping to the end of a line answered as too long
    std::string buffer_;  // received, not yet consumed
    std::string helo_;
    bool extended_ = false;  // EHLO/LHLO given: enhanced status codes on
    std::string mail_from_;
    std::vector<std::string> recipients_;
    std::string data_;
    bool data_too_large_ = false;
    std::size_t data_scan_ = 0;  // where to resume looking for the end-of-data marker
    // The next data line starts after a CRLF (or DATA's 354): only such a line is a line in
    // RFC 5321's sense, so only there can "." end the data or be unstuffed.
    bool data_line_after_crlf_ = true;
    std::optional<SmtpEnvelope> pending_;
    std::size_t pending_recipients_ = 0;  // of pending_, kept when it is moved out
    int errors_ = 0;
    bool closed_ = false;
};

// Extracts the address inside "<...>" of a MAIL FROM / RCPT TO argument and its
// ESMTP parameters; nullopt when malformed.
struct SmtpPath {
    std::string address;  // may be empty for <>
    std::vector<std::pair<std::string, std::string>> params;  // upper-case keys
};
std::optional<SmtpPath> parse_smtp_path(std::string_view arg);

}  // namespace triage::channels
