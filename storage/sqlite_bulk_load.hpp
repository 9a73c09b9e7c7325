// Bulk load: a large history import writes a million rows; keeping the tickets' list indexes
// (by status, by requester, open by assignee) current row by row costs as much as
// building them once, sorted, at the end, and keeps their pages in the cache meanwhile. A bulk
// load drops them (remembering their SQL in the database, in the same transaction) and
// creates them again when it ends; a store opened after a crash mid-load
// creates them again first (restore_bulk_load_indexes). Lookup and uniqueness indexes stay.
// Writer thread only (inside its units); restore_bulk_load_indexes at open, before readers.
#pragma once

#include "engine/import_rows.hpp"
#include "engine/store.hpp"

#include <cstddef>

namespace triage::sqlite {

class Connection;

// In a unit of work: drops the list indexes, remembering them. Returns how many it dropped.
std::size_t drop_bulk_load_indexes(StoreTx& tx);
// In a unit of work: creates the remembered indexes again. Returns how many.
std::size_t restore_bulk_load_indexes(StoreTx& tx);
// The same on a connection at start-up (its own transaction); a no-op when nothing is remembered.
std::size_t restore_bulk_load_indexes(Connection& connection);

// Bulk import (engine/ticket_import.hpp, TicketImporter), in a unit of work: the first free
// id of each table it writes, and the rows written as numbered, many to a statement, with
// their search rows and what a commit observer sees, as the single-row writes do. Returns
// how many of the identities joining known customers (rows.identities) another customer
// already had (left as they were, as add_identity does): the importer's records are then stale.
ImportIds next_import_ids(StoreTx& tx);
std::size_t insert_import_rows(StoreTx& tx, ImportRows& rows);

}  // namespace triage::sqlite
