// EmailIntake: the path of one inbound email from the SMTP/LMTP listener (or a Maildir) to
// a ticket — raw bytes kept on disk, MIME parsed, attachments stored, the Enquiry taken in
// by Intake in a durable commit — and the SMTP answer. Blocking work (fsync, parsing) runs
// on the blocking pool, never on an I/O thread. Thread-safe; owned by main().
#pragma once

#include "channels/smtp_dialogue.hpp"
#include "engine/intake.hpp"
#include "server/app.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <string>
#include <vector>

namespace triage::server {

class EmailIntake {
public:
    EmailIntake(App& app, boost::asio::thread_pool& blocking);

    // Whether `address` (lower case) is one of our mailboxes (email.mailboxes).
    bool accepts(std::string_view address) const;

    // Stores and takes in one received message; 250 only after the durable commit.
    boost::asio::awaitable<std::vector<channels::SmtpReply>> deliver(channels::SmtpEnvelope envelope);

    // The same without a listener (Maildir import, tests): blocks until committed.
    Result<IntakeOutcome> ingest(std::string raw, const std::vector<std::string>& envelope_recipients);

private:
    Enquiry prepare(std::string raw, const std::vector<std::string>& envelope_recipients);  // blocking

    App& app_;
    boost::asio::thread_pool& blocking_;
};

}  // namespace triage::server
