// The outbox and identity flags on SQLite: ReadOps' queries and Tx's writes for
// engine/outbound_mail.hpp, kept apart from the ticket queries (sqlite_reader.cpp).
#include "storage/json_columns.hpp"
#include "storage/sqlite_reader.hpp"
#include "storage/sqlite_tx.hpp"

#include <stdexcept>

namespace triage::sqlite {
namespace {

std::int64_t to_ms(Timestamp t) { return t.time_since_epoch().count(); }
Timestamp from_ms(std::int64_t ms) { return Timestamp{std::chrono::milliseconds{ms}}; }

template <class E>
E parsed(std::optional<E> value, std::string_view column, std::string_view text) {
    if (!value) throw std::runtime_error{"corrupt row: " + std::string{column} + " = '" + std::string{text} + "'"};
    return *value;
}

#define TRIAGE_OUTBOX_COLUMNS                                                                                   \
    "id, ticket_id, message_id, kind, rfc_message_id, from_name, from_address, to_name, to_address, reply_to, " \
    "subject, body, in_reply_to, refs, language, state, attempts, created_at, next_attempt_at, sent_at, last_error, raw"

OutboundMail read_outbound(const StatementUse& row) {
    OutboundMail m;
    m.id = row.int64(0);
    m.ticket_id = row.optional_int64(1).value_or(0);  // NULL: no ticket (a report)
    m.message_id = row.int64(2);
    m.kind = parsed(parse_outbound_kind(row.text_view(3)), "outbox.kind", row.text_view(3));
    m.rfc_message_id = row.text(4);
    m.from_name = row.text(5);
    m.from_address = row.text(6);
    m.to_name = row.text(7);
    m.to_address = row.text(8);
    m.reply_to = row.text(9);
    m.subject = row.text(10);
    m.body = row.text(11);
    m.in_reply_to = row.text(12);
    m.references = decode_strings(row.text_view(13));
    m.language = row.text(14);
    m.state = parsed(parse_outbound_state(row.text_view(15)), "outbox.state", row.text_view(15));
    m.attempts = static_cast<int>(row.int64(16));
    m.created_at = from_ms(row.int64(17));
    m.next_attempt_at = from_ms(row.int64(18));
    if (auto sent = row.optional_int64(19)) m.sent_at = from_ms(*sent);
    m.last_error = row.text(20);
    m.raw = row.text(21);
    return m;
}

std::optional<std::int64_t> to_ms(const std::optional<Timestamp>& t) {
    if (t) return to_ms(*t);
    return std::nullopt;
}

}  // namespace

template <class Base>
std::vector<OutboundMail> ReadOps<Base>::outbound_unsent(int limit) {
    auto rows = connection().query("SELECT " TRIAGE_OUTBOX_COLUMNS
                                   " FROM outbox WHERE state IN ('pending', 'sending') ORDER BY next_attempt_at, id LIMIT ?1");
    rows.bind_all(limit);
    std::vector<OutboundMail> out;
    while (rows.step()) out.push_back(read_outbound(rows));
    return out;
}

template <class Base>
std::vector<OutboundMail> ReadOps<Base>::outbound_for_ticket(TicketId ticket) {
    auto rows = connection().query("SELECT " TRIAGE_OUTBOX_COLUMNS " FROM outbox WHERE ticket_id = ?1 ORDER BY id");
    rows.bind_all(ticket);
    std::vector<OutboundMail> out;
    while (rows.step()) out.push_back(read_outbound(rows));
    return out;
}

template <class Base>
std::optional<OutboundMail> ReadOps<Base>::outbound(std::int64_t id) {
    auto row = connection().query("SELECT " TRIAGE_OUTBOX_COLUMNS " FROM outbox WHERE id = ?1");
    row.bind_all(id);
    if (!row.step()) return std::nullopt;
    return read_outbound(row);
}

template <class Base>
std::int64_t ReadOps<Base>::acknowledgements_since(std::string_view address, Timestamp since) {
    auto row = connection().query(
        "SELECT count(*) FROM outbox WHERE kind IN ('acknowledgement', 'auto_reply') AND to_address = ?1"
        " AND created_at >= ?2");
    row.bind_all(address, to_ms(since));
    row.step();
    return row.int64(0);
}

template <class Base>
std::vector<IdentityFlag> ReadOps<Base>::identity_flags(const Identity& identity) {
    auto rows = connection().query("SELECT flag, at, detail FROM identity_flags WHERE kind = ?1 AND value = ?2 ORDER BY flag");
    rows.bind_all(to_string(identity.kind), identity.value);
    std::vector<IdentityFlag> out;
    while (rows.step()) out.push_back({identity, rows.text(0), from_ms(rows.int64(1)), rows.text(2)});
    return out;
}

#define TRIAGE_INSTANTIATE_OUTBOX(Base)                                                                   \
    template std::vector<OutboundMail> ReadOps<Base>::outbound_unsent(int);                               \
    template std::vector<OutboundMail> ReadOps<Base>::outbound_for_ticket(TicketId);                      \
    template std::optional<OutboundMail> ReadOps<Base>::outbound(std::int64_t);                           \
    template std::int64_t ReadOps<Base>::acknowledgements_since(std::string_view, Timestamp);             \
    template std::vector<IdentityFlag> ReadOps<Base>::identity_flags(const Identity&);
TRIAGE_INSTANTIATE_OUTBOX(StoreReader)
TRIAGE_INSTANTIATE_OUTBOX(StoreTx)

std::int64_t Tx::insert_outbound(OutboundMail& m) {
    const std::string refs = encode_strings(m.references);
    auto row = connection().query(
        "INSERT INTO outbox (ticket_id, message_id, kind, rfc_message_id, from_name, from_address, to_name, to_address,"
        " reply_to, subject, body, in_reply_to, refs, language, state, attempts, created_at, next_attempt_at, sent_at,"
        " last_error, raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,"
        " ?20, ?21)");
    const std::optional<std::int64_t> ticket = m.ticket_id != 0 ? std::optional<std::int64_t>{m.ticket_id} : std::nullopt;
    row.bind_all(ticket, m.message_id, to_string(m.kind), m.rfc_message_id, m.from_name, m.from_address, m.to_name,
                 m.to_address, m.reply_to, m.subject, m.body, m.in_reply_to, refs, m.language, to_string(m.state),
                 m.attempts, to_ms(m.created_at), to_ms(m.next_attempt_at), to_ms(m.sent_at), m.last_error, m.raw);
    row.run();
    m.id = connection().last_insert_rowid();
    return m.id;
}

void Tx::update_outbound(const OutboundMail& m) {
    auto row = connection().query(
        "UPDATE outbox SET state = ?1, attempts = ?2, next_attempt_at = ?3, sent_at = ?4, last_error = ?5 WHERE id = ?6");
    row.bind_all(to_string(m.state), m.attempts, to_ms(m.next_attempt_at), to_ms(m.sent_at), m.last_error, m.id);
    row.run();
    if (connection().changes() != 1) throw std::runtime_error{"update_outbound: no outbox row " + std::to_string(m.id)};
}

void Tx::flag_identity(const IdentityFlag& f) {
    auto row = connection().query(
        "INSERT INTO identity_flags (kind, value, flag, at, detail) VALUES (?1, ?2, ?3, ?4, ?5)"
        " ON CONFLICT (kind, value, flag) DO UPDATE SET at = excluded.at, detail = excluded.detail");
    row.bind_all(to_string(f.identity.kind), f.identity.value, f.flag, to_ms(f.at), f.detail);
    row.run();
}

void Tx::set_message_external_id(MessageId message, Channel channel, std::string_view external_id) {
    auto row = connection().query("UPDATE messages SET channel = ?1, external_id = ?2 WHERE id = ?3");
    row.bind_all(to_string(channel), external_id, message);
    row.run();
    if (connection().changes() != 1) throw std::runtime_error{"set_message_external_id: no message " + std::to_string(message)};
}

}  // namespace triage::sqlite
