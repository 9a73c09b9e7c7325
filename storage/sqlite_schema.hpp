// The SQLite schema as numbered migrations, tracked in `PRAGMA user_version`. Migration N
// takes a database from version N-1 to N in its own transaction; shipped migrations are
// never edited, only appended. Functions here run on one connection (not thread-safe).
#pragma once

#include "storage/sqlite_connection.hpp"

namespace triage::sqlite {

int latest_schema_version() noexcept;

// Brings the database up to the latest version and returns it. Does nothing on an
// up-to-date database; throws when the database is newer than this build knows.
int migrate(Connection& connection);

// The same for the full-text index file (storage/search_indexer.hpp).
int migrate_search(Connection& connection);

}  // namespace triage::sqlite
