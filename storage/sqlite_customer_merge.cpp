// Tx::merge_customer: one customer's tickets, messages and identities moved to another.
#include "storage/sqlite_tx.hpp"

namespace triage::sqlite {

std::vector<TicketId> Tx::merge_customer(CustomerId gone, CustomerId keep) {
    std::vector<TicketId> moved;
    {
        auto row = connection().query("SELECT id FROM tickets WHERE requester_id = ?1 ORDER BY id");
        row.bind_all(gone);
        while (row.step()) moved.push_back(row.int64(0));
    }
    auto tickets = connection().query("UPDATE tickets SET requester_id = ?2 WHERE requester_id = ?1");
    tickets.bind_all(gone, keep);
    tickets.run();
    auto messages = connection().query("UPDATE messages SET author_id = ?2 WHERE author_kind = 'customer' AND author_id = ?1");
    messages.bind_all(gone, keep);
    messages.run();
    auto identities = connection().query("UPDATE identities SET customer_id = ?2 WHERE customer_id = ?1");
    identities.bind_all(gone, keep);
    identities.run();
    auto fill = connection().query(
        "UPDATE customers SET name = (SELECT name FROM customers WHERE id = ?1) WHERE id = ?2 AND name = ''");
    fill.bind_all(gone, keep);
    fill.run();
    auto remove = connection().query("DELETE FROM customers WHERE id = ?1");
    remove.bind_all(gone);
    remove.run();
    return moved;
}

}  // namespace triage::sqlite
