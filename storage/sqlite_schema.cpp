#include "storage/sqlite_schema.hpp"

#include "engine/customer.hpp"

#include <array>
#include <sqlite3.h>
#include <stdexcept>
#include <string>

namespace triage::sqlite {
namespace {

// Conventions: timestamps are INTEGER milliseconds since the Unix epoch, UTC; enums are
// their engine `to_string` text; lists are JSON text (storage/json_columns.hpp).
constexpr std::array kMigrations{
    // 1: the first schema.
    R"sql(
CREATE TABLE customers (
    id                 INTEGER PRIMARY KEY,
    name               TEXT NOT NULL,
    organisation       TEXT NOT NULL DEFAULT '',
    tier               TEXT NOT NULL DEFAULT 'standard',
    preferred_language TEXT NOT NULL DEFAULT '',
    created_at         INTEGER NOT NULL
) STRICT;

-- A rowid table, not WITHOUT ROWID: rowid order is the order identities were added.
CREATE TABLE identities (
    kind        TEXT NOT NULL,
    value       TEXT NOT NULL,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    PRIMARY KEY (kind, value)
) STRICT;
CREATE INDEX identities_by_customer ON identities(customer_id);

CREATE TABLE agents (
    id        INTEGER PRIMARY KEY,
    name      TEXT NOT NULL,
    email     TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role      TEXT NOT NULL,
    queues    TEXT NOT NULL DEFAULT '[]',
    skills    TEXT NOT NULL DEFAULT '[]',
    languages TEXT NOT NULL DEFAULT '[]'
) STRICT;

-- AUTOINCREMENT: ticket numbers are shown to customers ("T-1042") and are never reused,
-- even after the newest ticket is deleted.
CREATE TABLE tickets (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    subject           TEXT NOT NULL,
    status            TEXT NOT NULL,
    priority          TEXT NOT NULL,
    queue             TEXT NOT NULL DEFAULT '',
    category          TEXT NOT NULL DEFAULT '',
    tags              TEXT NOT NULL DEFAULT '[]',
    language          TEXT NOT NULL DEFAULT 'und',
    channel           TEXT NOT NULL,
    requester_id      INTEGER NOT NULL REFERENCES customers(id),
    assignee_id       INTEGER REFERENCES agents(id),
    tier              TEXT NOT NULL,
    follow_up_of      INTEGER REFERENCES tickets(id),
    reopen_count      INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    first_response_at INTEGER,
    solved_at         INTEGER,
    closed_at         INTEGER
) STRICT;
-- One index per list filter, each already in list order (newest first).
CREATE INDEX tickets_by_status    ON tickets(status, id DESC);
CREATE INDEX tickets_by_queue     ON tickets(queue, id DESC);
CREATE INDEX tickets_by_channel   ON tickets(channel, id DESC);
CREATE INDEX tickets_by_assignee  ON tickets(assignee_id, id DESC);
CREATE INDEX tickets_by_requester ON tickets(requester_id, id DESC);

CREATE TABLE messages (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
    kind        TEXT NOT NULL,
    author_kind TEXT NOT NULL,
    author_id   INTEGER NOT NULL DEFAULT 0,
    author_name TEXT NOT NULL DEFAULT '',
    channel     TEXT NOT NULL,
    body        TEXT NOT NULL,
    html        TEXT,
    attachments TEXT NOT NULL DEFAULT '[]',
    external_id TEXT NOT NULL DEFAULT '',
    raw_sha256  TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX messages_by_ticket ON messages(ticket_id, id);
-- Dedupe: a channel delivers a given external id once. Partial, so messages without an
-- external id never collide; queries must repeat `external_id <> ''` to use these.
CREATE UNIQUE INDEX messages_by_channel_external_id ON messages(channel, external_id) WHERE external_id <> '';
-- Threading: a reply's In-Reply-To / References may name a message from any channel.
CREATE INDEX messages_by_external_id ON messages(external_id) WHERE external_id <> '';

CREATE TABLE events (
    id        INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    at        INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    type      TEXT NOT NULL,
    changes   TEXT NOT NULL DEFAULT '[]',
    detail    TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX events_by_ticket ON events(ticket_id, id);

CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    token_hash TEXT NOT NULL UNIQUE,  -- hex SHA-256 of the token; the token itself is never stored
    role       TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

)sql",
    // The outbox: mail owed to customers, written in the transaction of the ticket change
    // that causes it and delivered by the sender (server/email_sender.cpp); identity flags
    // (a bouncing address). rfc_message_id is UNIQUE: one row, one delivery, per Message-ID.
    R"sql(
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    ticket_id       INTEGER NOT NULL REFERENCES tickets(id),
    message_id      INTEGER NOT NULL DEFAULT 0,
    kind            TEXT NOT NULL,
    rfc_message_id  TEXT NOT NULL UNIQUE,
    from_name       TEXT NOT NULL DEFAULT '',
    from_address    TEXT NOT NULL,
    to_name         TEXT NOT NULL DEFAULT '',
    to_address      TEXT NOT NULL,
    reply_to        TEXT NOT NULL DEFAULT '',
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    in_reply_to     TEXT NOT NULL DEFAULT '',
    refs            TEXT NOT NULL DEFAULT '[]',
    language        TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    sent_at         INTEGER,
    last_error      TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX outbox_unsent ON outbox(next_attempt_at, id) WHERE state IN ('pending', 'sending');
CREATE INDEX outbox_by_ticket ON outbox(ticket_id, id);
CREATE INDEX outbox_acknowledgements ON outbox(to_address, created_at) WHERE kind = 'acknowledgement';

CREATE TABLE identity_flags (
    kind   TEXT NOT NULL,
    value  TEXT NOT NULL,
    flag   TEXT NOT NULL,
    at     INTEGER NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (kind, value, flag)
) STRICT;
)sql",
    // Web UI logins — users with a role and queues, and their sessions (hashed tokens).
    R"sql(
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role          TEXT NOT NULL,
    queues        TEXT NOT NULL DEFAULT '[]',
    password_hash TEXT NOT NULL DEFAULT '',  -- crypto_pwhash_str (Argon2id); '' = no login
    language      TEXT NOT NULL DEFAULT 'en',
    agent_email   TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL
) STRICT;
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,  -- hex SHA-256 of the cookie value
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_by_expiry ON sessions(expires_at);
)sql",
    // Escalation: SLA clocks per ticket (the scheduler's timers are rebuilt from next_due at
    // start), first-response and resolution times for reports, notification outbox, tickets
    // waiting for an agent, referrals to external partners.
    R"sql(
CREATE TABLE ticket_sla (
    ticket_id        INTEGER NOT NULL,
    target           TEXT NOT NULL,      -- first_response, resolution
    policy           TEXT NOT NULL,
    calendar         TEXT NOT NULL,
    started_at       INTEGER NOT NULL,
    mark             INTEGER NOT NULL,
    deadline         INTEGER NOT NULL,
    warning_at       INTEGER NOT NULL,
    used_ms          INTEGER NOT NULL,   -- business milliseconds used before mark
    target_minutes   INTEGER NOT NULL,   -- business minutes
    warning_percent  INTEGER NOT NULL,
    phase            INTEGER NOT NULL,   -- 0 idle, 1 running, 2 paused, 3 met, 4 breached
    fired            INTEGER NOT NULL,   -- 1 warning reported, 2 breach reported
    next_due         INTEGER,            -- NULL: no timer pending
    wall_minutes     INTEGER,            -- once stopped
    business_minutes INTEGER,            -- once stopped
    timeline         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (ticket_id, target)
) STRICT, WITHOUT ROWID;
CREATE INDEX ticket_sla_pending ON ticket_sla(next_due) WHERE next_due IS NOT NULL;
CREATE INDEX ticket_sla_escalated ON ticket_sla(deadline) WHERE fired <> 0 AND phase IN (1, 2);

-- Response times per ticket for reports, in wall and business minutes (NULL until known).
CREATE VIEW ticket_response_times AS
SELECT t.id AS ticket_id,
       fr.wall_minutes     AS first_response_wall_min,
       fr.business_minutes AS first_response_business_min,
       rs.wall_minutes     AS resolution_wall_min,
       rs.business_minutes AS resolution_business_min,
       fr.phase = 4 OR rs.phase = 4 OR (fr.fired & 2) <> 0 OR (rs.fired & 2) <> 0 AS sla_breached
FROM tickets t
LEFT JOIN ticket_sla fr ON fr.ticket_id = t.id AND fr.target = 'first_response'
LEFT JOIN ticket_sla rs ON rs.ticket_id = t.id AND rs.target = 'resolution';

CREATE TABLE notifications (
    id              INTEGER PRIMARY KEY,
    ticket_id       INTEGER NOT NULL,
    channel         TEXT NOT NULL,       -- email, webhook
    target          TEXT NOT NULL,
    subject         TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL,
    secret_env      TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL,       -- pending, sent, failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    last_error      TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX notifications_due ON notifications(next_attempt_at) WHERE status = 'pending';
CREATE INDEX notifications_by_ticket ON notifications(ticket_id, id);

CREATE TABLE routing_waits (
    ticket_id INTEGER PRIMARY KEY,
    skill     TEXT NOT NULL DEFAULT '',
    since     INTEGER NOT NULL
) STRICT;

CREATE TABLE referrals (
    id         INTEGER PRIMARY KEY,
    ticket_id  INTEGER NOT NULL,
    partner    TEXT NOT NULL,
    specialty  TEXT NOT NULL,
    state      TEXT NOT NULL,            -- proposed, sent, accepted, declined, completed
    note       TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX referrals_by_ticket ON referrals(ticket_id, id);
)sql",
    // History import: which ticket each source-system id became, and the agent replies the
    // source system counted (their texts are not imported). Reports read `replies`.
    R"sql(
-- WITHOUT ROWID and no second index: one b-tree insert per imported ticket.
CREATE TABLE ticket_imports (
    external_id TEXT PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
    replies     INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;
)sql",
    // Escalation email goes out through the outbox: the outbox row that carries an email
    // notification (tier notice, rule notice, partner case summary); 0 for none.
    R"sql(
ALTER TABLE notifications ADD COLUMN outbox_id INTEGER NOT NULL DEFAULT 0;
-- Routing counts each agent's open tickets at every routed ticket: over this index it reads
-- only the open, assigned ones, not every ticket ever assigned.
CREATE INDEX tickets_open_by_assignee ON tickets(assignee_id)
    WHERE assignee_id IS NOT NULL AND status NOT IN ('solved', 'closed');
)sql",
    // Outbox rows without a ticket (the weekly report to managers): ticket_id may be NULL,
    // and `raw` carries a complete message that is sent as it is. SQLite cannot drop a NOT
    // NULL constraint in place, so the table is rebuilt; nothing references it.
    R"sql(
CREATE TABLE outbox_next (
    id              INTEGER PRIMARY KEY,
    ticket_id       INTEGER REFERENCES tickets(id),
    message_id      INTEGER NOT NULL DEFAULT 0,
    kind            TEXT NOT NULL,
    rfc_message_id  TEXT NOT NULL UNIQUE,
    from_name       TEXT NOT NULL DEFAULT '',
    from_address    TEXT NOT NULL,
    to_name         TEXT NOT NULL DEFAULT '',
    to_address      TEXT NOT NULL,
    reply_to        TEXT NOT NULL DEFAULT '',
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    in_reply_to     TEXT NOT NULL DEFAULT '',
    refs            TEXT NOT NULL DEFAULT '[]',
    language        TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    sent_at         INTEGER,
    last_error      TEXT NOT NULL DEFAULT '',
    raw             TEXT NOT NULL DEFAULT ''
) STRICT;
INSERT INTO outbox_next (id, ticket_id, message_id, kind, rfc_message_id, from_name, from_address, to_name, to_address,
                         reply_to, subject, body, in_reply_to, refs, language, state, attempts, created_at,
                         next_attempt_at, sent_at, last_error)
SELECT id, ticket_id, message_id, kind, rfc_message_id, from_name, from_address, to_name, to_address, reply_to, subject,
       body, in_reply_to, refs, language, state, attempts, created_at, next_attempt_at, sent_at, last_error FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_next RENAME TO outbox;
CREATE INDEX outbox_unsent ON outbox(next_attempt_at, id) WHERE state IN ('pending', 'sending');
CREATE INDEX outbox_by_ticket ON outbox(ticket_id, id);
CREATE INDEX outbox_acknowledgements ON outbox(to_address, created_at) WHERE kind = 'acknowledgement';
)sql",
    // Blobs (raw inbound bytes, attachments) up to storage/tiered_blob_store.hpp's inline limit,
    // written in the intake's own transaction: durable with the ticket in one group commit.
    // Larger blobs stay files under blobs/. A rowid table (rows of kilobytes, appended in rowid
    // order) with the hash's unique index, not WITHOUT ROWID, which suits only small rows.
    R"sql(
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,  -- lower-case hex of the bytes
    size   INTEGER NOT NULL,
    bytes  BLOB NOT NULL
) STRICT;
)sql",
    // One narrow index in id order serves the list filters on queue, channel and assignee
    // (storage/sqlite_reader.cpp scans it newest first, reading only matching rows), instead
    // of an index per filter: a new ticket appends to it, where it took a place in each of
    // three indexes, and a bulk load keeps it up to date instead of building three again.
    // Status keeps its own index (its small sets, new and open, are the agents' queues), and
    // so do requester (threading) and open-by-assignee (routing).
    R"sql(
DROP INDEX IF EXISTS tickets_by_queue;
DROP INDEX IF EXISTS tickets_by_channel;
DROP INDEX IF EXISTS tickets_by_assignee;
CREATE INDEX tickets_list ON tickets(id, status, channel, queue, assignee_id);
)sql",
    // Routing weighs each agent's open tickets at every new ticket. Counting them (a GROUP BY
    // over tickets_open_by_assignee) cost time in proportion to the desk's open, assigned
    // tickets: half a millisecond of the writer's time per new ticket with 5,000 of them. A
    // count per agent, kept by triggers on every write of a ticket's assignee or status,
    // replaces the index, which nothing else read.
    R"sql(
DROP INDEX IF EXISTS tickets_open_by_assignee;
CREATE TABLE agent_open_tickets (
    agent_id INTEGER PRIMARY KEY,  -- an agent's id; no foreign key: a count, kept by the triggers
    open     INTEGER NOT NULL      -- tickets assigned to them and neither solved nor closed
) STRICT;
INSERT INTO agent_open_tickets (agent_id, open)
    SELECT assignee_id, count(*) FROM tickets
    WHERE assignee_id IS NOT NULL AND status NOT IN ('solved', 'closed') GROUP BY assignee_id;
CREATE TRIGGER agent_open_tickets_insert AFTER INSERT ON tickets
    WHEN NEW.assignee_id IS NOT NULL AND NEW.status NOT IN ('solved', 'closed')
BEGIN
    INSERT INTO agent_open_tickets (agent_id, open) VALUES (NEW.assignee_id, 1)
        ON CONFLICT (agent_id) DO UPDATE SET open = open + 1;
END;
CREATE TRIGGER agent_open_tickets_delete AFTER DELETE ON tickets
    WHEN OLD.assignee_id IS NOT NULL AND OLD.status NOT IN ('solved', 'closed')
BEGIN
    UPDATE agent_open_tickets SET open = open - 1 WHERE agent_id = OLD.assignee_id;
END;
CREATE TRIGGER agent_open_tickets_update AFTER UPDATE OF assignee_id, status ON tickets
    WHEN OLD.assignee_id IS NOT NEW.assignee_id
      OR (OLD.status IN ('solved', 'closed')) <> (NEW.status IN ('solved', 'closed'))
BEGIN
    UPDATE agent_open_tickets SET open = open - 1
        WHERE agent_id = OLD.assignee_id AND OLD.status NOT IN ('solved', 'closed');
    INSERT INTO agent_open_tickets (agent_id, open)
        SELECT NEW.assignee_id, 1 WHERE NEW.assignee_id IS NOT NULL AND NEW.status NOT IN ('solved', 'closed')
        ON CONFLICT (agent_id) DO UPDATE SET open = open + 1;
END;
)sql",
    // Customer ids are never reused: a merge deletes the customer merged away, and without
    // AUTOINCREMENT the next new customer took that id when it was the highest, so a link or
    // an API client's stored id named someone else. SQLite cannot add AUTOINCREMENT to a
    // table: it is made again (https://sqlite.org/lang_altertable.html#otheralter; foreign
    // keys are off while migrations run, and checked before the commit).
    R"sql(
CREATE TABLE customers_autoincrement (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    name               TEXT NOT NULL,
    organisation       TEXT NOT NULL DEFAULT '',
    tier               TEXT NOT NULL DEFAULT 'standard',
    preferred_language TEXT NOT NULL DEFAULT '',
    created_at         INTEGER NOT NULL
) STRICT;
INSERT INTO customers_autoincrement (id, name, organisation, tier, preferred_language, created_at)
    SELECT id, name, organisation, tier, preferred_language, created_at FROM customers;
DROP TABLE customers;
ALTER TABLE customers_autoincrement RENAME TO customers;
)sql",
    // Email addresses are lower-cased by Unicode's rules, in NFC, with the domain in its
    // Unicode form (engine/customer.cpp); before, only ASCII letters were folded. Stored
    // addresses are normalised again by the same code (triage_normalise_email, registered
    // by migrate()). Where two customers held two spellings of one address, the spelling
    // already in the new form keeps it and the other row is left as it was: both customers
    // and their tickets stay, for an agent to merge (POST /api/v1/customers/{id}/merge).
    R"sql(
UPDATE OR IGNORE identities SET value = triage_normalise_email(value)
    WHERE kind = 'email' AND value <> triage_normalise_email(value);
UPDATE OR IGNORE identity_flags SET value = triage_normalise_email(value)
    WHERE kind = 'email' AND value <> triage_normalise_email(value);
)sql",
    // The whole text of an inbound message whose quoted history or signature was split off
    // (body holds the new text); NULL when the two are the same.
    R"sql(
ALTER TABLE messages ADD COLUMN full_body TEXT;
)sql",
};

// triage_normalise_email(text): the engine's normal form of an email address, or the text
// as it is when it is not one.
void normalise_email_sql(sqlite3_context* context, int, sqlite3_value** argv) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
    if (!text) {
        sqlite3_result_null(context);
        return;
    }
    const std::string_view raw{text, static_cast<std::size_t>(sqlite3_value_bytes(argv[0]))};
    try {
        auto identity = triage::normalise_identity(triage::IdentityKind::email, raw);
        const std::string& out = identity.value.empty() ? std::string{raw} : identity.value;
        sqlite3_result_text(context, out.data(), static_cast<int>(out.size()), SQLITE_TRANSIENT);
    } catch (const std::exception& e) {
        sqlite3_result_error(context, e.what(), -1);
    }
}

// The full-text index lives in its own file, written by its own thread
// (storage/search_indexer.cpp), so indexing stays off the main writer's commit path.
constexpr std::array kSearchMigrations = {
    // 1: one row per subject (rowid = -ticket id) and one per message (rowid = message id), so
    // a ticket matches when each search word appears in its subject or any of its messages.
    // Contentless: the text lives in the main database. unicode61 with remove_diacritics 2
    // folds case and accents ("päivä" = "PAIVA", "šūna" = "suna"); storage/fts_query.cpp
    // tokenizes search words with the same options. A contentless table forgets a row only
    // when given the exact text it indexed. The watermark says up to which message and
    // ticket the index is complete.
    R"sql(
CREATE VIRTUAL TABLE ticket_text USING fts5(
    text, content = '', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE search_watermark (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    message_id INTEGER NOT NULL,
    ticket_id  INTEGER NOT NULL
) STRICT;
INSERT INTO search_watermark (id, message_id, ticket_id) VALUES (1, 0, 0);
)sql",
};

template <std::size_t N>
int run_migrations(Connection& connection, const std::array<const char*, N>& migrations) {
    const int latest = static_cast<int>(N);
    auto check = [&](int version) {
        if (version > latest)
            throw std::runtime_error{"its schema version " + std::to_string(version) +
                                     " is newer than this build of Triage knows (" +
                                     std::to_string(latest) + "); upgrade Triage or use a matching backup"};
    };
    auto version = static_cast<int>(connection.query_int64("PRAGMA user_version"));
    check(version);
    if (version >= latest) return version;
    // Foreign keys off while the schema changes (a table made again is dropped while rows
    // still refer to it), as SQLite's procedure for such changes has it; each migration's
    // rows are checked before its commit.
    ForeignKeysOff unchecked{connection};
    while (version < latest) {
        Transaction tx{connection};
        // Read again under the write lock: another process may have migrated meanwhile.
        version = static_cast<int>(connection.query_int64("PRAGMA user_version"));
        check(version);
        if (version == latest) break;  // ~Transaction ends the empty transaction
        connection.exec(migrations[static_cast<std::size_t>(version)]);
        if (unchecked.were_on()) {
            auto broken = connection.query("PRAGMA foreign_key_check");
            if (broken.step())
                throw std::runtime_error{"migration to schema version " + std::to_string(version + 1) +
                                         " would leave a row of " + std::string(broken.text_view(0)) +
                                         " referring to a missing row of " + std::string(broken.text_view(2))};
        }
        connection.exec(("PRAGMA user_version = " + std::to_string(version + 1)).c_str());
        tx.commit();
        ++version;
    }
    return version;
}

}  // namespace

int latest_schema_version() noexcept { return static_cast<int>(kMigrations.size()); }

int migrate(Connection& connection) {
    if (sqlite3_create_function_v2(connection.handle(), "triage_normalise_email", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                   nullptr, &normalise_email_sql, nullptr, nullptr, nullptr) != SQLITE_OK)
        throw std::runtime_error{"cannot register triage_normalise_email"};
    return run_migrations(connection, kMigrations);
}

int migrate_search(Connection& connection) { return run_migrations(connection, kSearchMigrations); }

}  // namespace triage::sqlite
