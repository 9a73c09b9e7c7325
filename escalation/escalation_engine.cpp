#include "escalation/escalation_engine.hpp"

#include "engine/json_text.hpp"
#include "engine/text.hpp"
#include "engine/time_format.hpp"
#include "escalation/language_detector.hpp"
#include "escalation/partner_directory.hpp"
#include "escalation/rule_template.hpp"

#include <algorithm>
#include <charconv>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <map>

namespace triage {

struct EscalationEngine::EventInfo {
    std::string_view body;
    bool has_attachment = false;
};

namespace {

// The clocks a ticket starts with; next_response starts at each customer follow-up after a response.
constexpr std::array kTargets{SlaTarget::first_response, SlaTarget::resolution};
constexpr std::size_t kSummaryText = 2000;  // bytes of the first message in a partner's case summary

std::string_view event_name(SlaEventKind k) { return to_string(k); }

std::optional<SlaEventKind> parse_event_kind(std::string_view s) {
    for (auto k : {SlaEventKind::started, SlaEventKind::paused, SlaEventKind::resumed, SlaEventKind::warned,
                   SlaEventKind::breached, SlaEventKind::met, SlaEventKind::stopped})
        if (to_string(k) == s) return k;
    return std::nullopt;
}

TicketSlaRecord record_of(TicketId id, std::string_view target, std::string_view policy, std::string_view calendar,
                          const SlaClock& clock, const SlaTimeline& timeline) {
    const auto& s = clock.state();
    TicketSlaRecord r;
    r.ticket_id = id;
    r.target = std::string(target);
    r.policy = std::string(policy);
    r.calendar = std::string(calendar);
    r.started_at = s.started_at;
    r.mark = s.mark;
    r.deadline = s.deadline;
    r.warning_at = s.warning_at;
    r.used_ms = s.used_ms;
    r.target_minutes = s.target_minutes;
    r.warning_percent = s.warning_percent;
    r.phase = static_cast<int>(s.phase);
    r.fired = s.fired;
    r.next_due = clock.next_due();
    if (clock.stopped()) {
        r.wall_minutes = std::chrono::floor<std::chrono::minutes>(clock.wall_time(s.mark)).count();
        r.business_minutes = s.used_ms / 60000;
    }
    r.timeline = encode_sla_timeline(timeline);
    return r;
}


std::string sender_domain(const std::optional<Customer>& c) {
    if (!c) return {};
    for (const auto& id : c->identities)
        if (id.kind == IdentityKind::email)
            if (auto at = id.value.find('@'); at != std::string::npos) return id.value.substr(at + 1);
    return {};
}

std::string describe_action(const RuleAction& a) {
    switch (a.kind) {
        case RuleActionKind::set_queue:
        case RuleActionKind::set_category:
        case RuleActionKind::assign_agent:
        case RuleActionKind::assign_skill:
        case RuleActionKind::refer:
        case RuleActionKind::notify_email:
        case RuleActionKind::notify_webhook: return fmt::format("{} {}", to_string(a.kind), a.text);
        case RuleActionKind::set_priority: return fmt::format("set priority {}", to_string(a.priority));
        case RuleActionKind::set_tags:
        case RuleActionKind::add_tags:
        case RuleActionKind::remove_tags: return fmt::format("{} {}", to_string(a.kind), fmt::join(a.list, ","));
        case RuleActionKind::escalate: return fmt::format("escalate {}", to_string(a.tier));
        case RuleActionKind::reply: return "reply";
        case RuleActionKind::stop: return "stop";
    }
    return "?";
}

bool waiting_status(TicketStatus s) { return s == TicketStatus::pending || s == TicketStatus::on_hold; }
bool done_status(TicketStatus s) { return s == TicketStatus::solved || s == TicketStatus::closed; }

}  // namespace

std::string encode_sla_timeline(const SlaTimeline& timeline) {
    std::string out;
    for (const auto& e : timeline)
        out += fmt::format("{}{},{},{},{}", out.empty() ? "" : ";", event_name(e.kind), e.at.time_since_epoch().count(),
                           e.business_minutes_used, e.business_minutes_left);
    return out;
}

SlaTimeline decode_sla_timeline(std::string_view text) {
    SlaTimeline out;
    while (!text.empty()) {
        auto end = text.find(';');
        auto item = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
        std::array<std::string_view, 4> parts{};
        for (auto& p : parts) {
            auto comma = item.find(',');
            p = item.substr(0, comma);
            item = comma == std::string_view::npos ? std::string_view{} : item.substr(comma + 1);
        }
        auto kind = parse_event_kind(parts[0]);
        if (!kind) continue;
        SlaEvent e;
        e.kind = *kind;
        std::int64_t ms = 0;
        std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), ms);
        e.at = Timestamp{std::chrono::milliseconds{ms}};
        std::from_chars(parts[2].data(), parts[2].data() + parts[2].size(), e.business_minutes_used);
        std::from_chars(parts[3].data(), parts[3].data() + parts[3].size(), e.business_minutes_left);
        out.push_back(e);
    }
    return out;
}

SlaClockState sla_state_of(const TicketSlaRecord& r) {
    SlaClockState s;
    s.started_at = r.started_at;
    s.mark = r.mark;
    s.deadline = r.deadline;
    s.warning_at = r.warning_at;
    s.used_ms = r.used_ms;
    s.target_minutes = r.target_minutes;
    s.warning_percent = static_cast<std::uint8_t>(r.warning_percent);
    s.phase = static_cast<SlaPhase>(r.phase);
    s.fired = static_cast<std::uint8_t>(r.fired);
    return s;
}

Tier next_tier(Tier tier) noexcept {
    switch (tier) {
        case Tier::l1: return Tier::l2;
        case Tier::l2: return Tier::supervisor;
        default: return tier;
    }
}

EscalationEngine::EscalationEngine(const Clock& clock, const TicketDesk& desk,
                                   std::shared_ptr<const EscalationSettings> settings,
                                   std::shared_ptr<const RuleSet> rules, const LanguageDetector* detector)
    : clock_(clock), desk_(desk), settings_(std::move(settings)), rules_(std::move(rules)), detector_(detector) {}

void EscalationEngine::audit(StoreTx& tx, TicketId id, std::string actor, std::string type, std::string detail,
                             std::vector<FieldChange> changes, EscalationOutcome& out) {
    TicketEvent e;
    e.ticket_id = id;
    e.at = clock_.system_now();
    e.actor = std::move(actor);
    e.type = std::move(type);
    e.detail = std::move(detail);
    e.changes = std::move(changes);
    tx.append_event(e);
    out.events.push_back(std::move(e));
}

void EscalationEngine::apply_patch(StoreTx& tx, TicketId id, const TicketPatch& patch, const Actor& actor,
                                   EscalationOutcome& out) {
    if (patch.empty()) return;
    auto done = desk_.update(tx, id, patch, actor);
    if (!done) {
        audit(tx, id, actor.id, "escalation_failed", done.error().message, {}, out);
        return;
    }
    for (auto& e : done->events) out.events.push_back(std::move(e));
}

void EscalationEngine::after_intake(StoreTx& tx, IntakeOutcome& outcome, EscalationOutcome& out) {
    if (outcome.duplicate || outcome.unthreaded) return;
    const TicketId id = outcome.ticket.id;
    const EventInfo info{outcome.message.body, !outcome.message.attachments.empty()};
    // Every change to the ticket is an audit event: with none written, outcome.ticket is
    // still the stored ticket and need not be read again (the create path's common case).
    const std::size_t written = out.events.size();
    std::optional<Ticket> fresh;
    const auto current = [&]() -> const Ticket* {
        if (out.events.size() == written) return &outcome.ticket;
        fresh = tx.ticket(id);
        return fresh ? &*fresh : nullptr;
    };
    counted_reply_.reset();
    if (outcome.created) {
        if (detector_ && (outcome.ticket.language.empty() || outcome.ticket.language == "und")) {
            auto language = detector_->detect(outcome.message.body);
            if (language != "und") {
                TicketPatch patch;
                patch.language = language;
                apply_patch(tx, id, patch, Actor{"system:language", "Language detection", std::nullopt}, out);
            }
        }
        run_rules(tx, id, RuleTrigger::created, info, out);
        if (!settings_->policies.empty())
            if (auto t = current()) start_slas(tx, *t, out);
        if (auto t = current(); t && !t->assignee_id && !out.routed) route(tx, id, "", true, out, t);
    } else {
        bool customer = false, status = false;
        for (const auto& e : outcome.events) {
            customer = customer || e.type == "message_added";
            status = status || e.type == "status_changed" || e.type == "reopened";
        }
        if (customer) run_rules(tx, id, RuleTrigger::customer_replied, info, out);
        if (status) run_rules(tx, id, RuleTrigger::status_changed, info, out);
        SlaSignals signals;
        if (customer) signals.customer_message = outcome.message.created_at;
        signals.response = counted_reply_;
        update_slas(tx, id, signals, out);
    }
    if (out.events.size() != written)
        if (auto t = tx.ticket(id)) outcome.ticket = std::move(*t);
}

void EscalationEngine::after_desk(StoreTx& tx, DeskOutcome& outcome, EscalationOutcome& out) {
    if (outcome.events.empty()) return;
    const TicketId id = outcome.ticket.id;
    const EventInfo info{outcome.message ? std::string_view(outcome.message->body) : std::string_view{}, false};
    bool replied = false, status = false, freed = false;
    for (const auto& e : outcome.events) {
        replied = replied || e.type == "agent_replied";
        status = status || e.type == "status_changed";
        for (const auto& c : e.changes) freed = freed || c.field == "assignee" || c.field == "status" || c.field == "queue";
    }
    counted_reply_.reset();
    if (replied) run_rules(tx, id, RuleTrigger::agent_replied, info, out);
    if (status) run_rules(tx, id, RuleTrigger::status_changed, info, out);
    SlaSignals signals;
    if (replied && outcome.message) signals.response = outcome.message->created_at;
    else signals.response = counted_reply_;
    update_slas(tx, id, signals, out);
    if (freed) route_waiting(tx, out);
    if (auto t = tx.ticket(id)) outcome.ticket = std::move(*t);
}

void EscalationEngine::run_rules(StoreTx& tx, TicketId id, RuleTrigger trigger, const EventInfo& info,
                                 EscalationOutcome& out) {
    auto rules = rules_.load();
    if (!rules || !rules->listens_to(trigger)) return;
    auto ticket = tx.ticket(id);
    if (!ticket) return;
    const auto customer = tx.customer(ticket->requester_id);
    const auto domain = sender_domain(customer);
    RuleContext ctx;
    ctx.trigger = trigger;
    ctx.ticket = &*ticket;
    ctx.customer_tier = customer ? std::string_view(customer->tier) : std::string_view{};
    ctx.organisation = customer ? std::string_view(customer->organisation) : std::string_view{};
    ctx.sender_domain = domain;
    ctx.body = info.body;
    ctx.has_attachment = info.has_attachment;
    ctx.now = clock_.system_now();
    ctx.calendar = &settings_->calendar_for(ticket->queue);
    rules->evaluate(ctx, buffer_);
    if (buffer_.firings.empty()) return;
    const RuleOutcome fired = buffer_;  // the actions below may evaluate again

    for (const auto& f : fired.firings) {
        const auto& name = rules->name(f.rule);
        const Actor actor{"rule:" + name, name, std::nullopt};
        std::vector<std::string> matched, did;
        for (auto i = f.matched_begin; i < f.matched_end; ++i) matched.push_back(rules->describe(fired.matched[i]));
        auto current = tx.ticket(id);
        if (!current) return;
        TicketPatch patch;
        std::vector<std::string> tags = current->tags;
        for (const auto& a : rules->actions(f.rule)) {
            did.push_back(describe_action(a));
            switch (a.kind) {
                case RuleActionKind::set_queue: patch.queue = a.text; break;
                case RuleActionKind::set_category: patch.category = a.text; break;
                case RuleActionKind::set_priority: patch.priority = a.priority; break;
                case RuleActionKind::set_tags: tags = a.list, patch.tags = tags; break;
                case RuleActionKind::add_tags:
                    tags.insert(tags.end(), a.list.begin(), a.list.end());
                    patch.tags = tags;
                    break;
                case RuleActionKind::remove_tags:
                    std::erase_if(tags, [&](const std::string& t) {
                        return std::find(a.list.begin(), a.list.end(), t) != a.list.end();
                    });
                    patch.tags = tags;
                    break;
                case RuleActionKind::assign_agent:
                    if (auto agent = tx.agent_by_email(a.text)) patch.assignee = std::optional<AgentId>{agent->id};
                    else did.back() += " (no such agent)";
                    break;
                case RuleActionKind::escalate: patch.tier = a.tier; break;
                default: break;
            }
        }
        audit(tx, id, actor.id, "rule_fired",
              fmt::format("rule '{}' on {}: matched {}; then {}", name, to_string(trigger),
                          matched.empty() ? std::string("(no conditions)") : fmt::format("{}", fmt::join(matched, "; ")),
                          fmt::join(did, ", ")),
              {}, out);
        const Tier tier_before = current->tier;
        apply_patch(tx, id, patch, actor, out);
        auto t = tx.ticket(id);
        if (!t) return;
        if (t->tier != tier_before) {
            auto people = settings_->tier_people.find(t->tier);
            if (people != settings_->tier_people.end())
                notify_people(tx, *t, people->second,
                              fmt::format("[{}] escalated to {}: {}", ticket_key(id), to_string(t->tier), t->subject),
                              fmt::format("Rule '{}' escalated {} from {} to {}.", name, ticket_key(id),
                                          to_string(tier_before), to_string(t->tier)),
                              out);
        }
        const auto requester = tx.customer(t->requester_id);
        const TemplateValues values{&*t, requester ? std::string_view(requester->name) : std::string_view{}, name};
        for (const auto& a : rules->actions(f.rule)) {
            switch (a.kind) {
                case RuleActionKind::assign_skill: route(tx, id, a.text, true, out); break;
                case RuleActionKind::refer: {
                    auto referred = refer(tx, id, a.text, "", actor, out);
                    if (!referred) audit(tx, id, actor.id, "referral_failed", referred.error().message, {}, out);
                    break;
                }
                case RuleActionKind::notify_email:
                    email(tx, *t, a.text, render_rule_template(a.subject, values), render_rule_template(a.body, values),
                          out);
                    break;
                case RuleActionKind::notify_webhook: {
                    NotificationRecord n;
                    n.ticket_id = id;
                    n.channel = "webhook";
                    n.target = a.text;
                    n.secret_env = a.secret;
                    n.body = fmt::format(
                        R"({{"event":"{}","rule":"{}","ticket":{{"id":{},"key":"{}","subject":"{}","status":"{}","priority":"{}","queue":"{}","tier":"{}","language":"{}"}},"at":"{}"}})",
                        to_string(trigger), json_escaped(name), id, ticket_key(id), json_escaped(t->subject),
                        to_string(t->status), to_string(t->priority), json_escaped(t->queue), to_string(t->tier),
                        json_escaped(t->language), format_rfc3339(clock_.system_now()));
                    n.next_attempt_at = n.created_at = clock_.system_now();
                    tx.insert_notification(n);
                    break;
                }
                case RuleActionKind::reply: {
                    // A real outbound message through the desk ("auto_replied"), mailed with
                    // threading headers. Automatic replies are not the first (or next)
                    // response unless the ticket's SLA policy says automatic_replies_count.
                    NewMessage m;
                    m.kind = MessageKind::reply;
                    m.body = render_rule_template(a.body, values);
                    m.automatic = true;
                    const SlaPolicy* policy = select_policy(settings_->policies, t->priority,
                                                            requester ? std::string_view(requester->tier) : "standard");
                    m.counts_as_response = policy && policy->automatic_replies_count;
                    const Actor replier{actor.id, "Triage", std::nullopt};
                    auto replied = mail_ ? mail_->reply(tx, id, m, replier) : desk_.add_message(tx, id, m, replier);
                    if (!replied) {
                        audit(tx, id, actor.id, "auto_reply_failed", replied.error().message, {}, out);
                        break;
                    }
                    for (auto& e : replied->events) out.events.push_back(std::move(e));
                    if (m.counts_as_response && replied->message) counted_reply_ = replied->message->created_at;
                    if (auto now = tx.ticket(id)) *t = std::move(*now);
                    break;
                }
                default: break;
            }
        }
    }
}

void EscalationEngine::start_slas(StoreTx& tx, const Ticket& t, EscalationOutcome& out) {
    const auto customer = tx.customer(t.requester_id);
    const SlaPolicy* policy = select_policy(settings_->policies, t.priority, customer ? customer->tier : "standard");
    if (!policy) return;
    const BusinessCalendar& calendar = settings_->calendar_for(t.queue);
    bool any = false;
    for (auto target : kTargets) {
        const auto minutes = policy->minutes_for(target);
        if (minutes <= 0) continue;
        SlaClock clock;
        SlaTimeline timeline;
        clock.start(t.created_at, minutes, policy->warning_percent, calendar, &timeline);
        tx.upsert_ticket_sla(record_of(t.id, to_string(target), policy->name, calendar.name(), clock, timeline));
        if (auto due = clock.next_due()) out.timers.push_back({*due, t.id});
        any = true;
    }
    if (any) {
        audit(tx, t.id, "system:sla", "sla_started",
              fmt::format("policy '{}' in calendar {}: first response {} min, resolution {} min (business){}", policy->name,
                          calendar.name(), policy->first_response_minutes, policy->resolution_minutes,
                          policy->next_response_minutes > 0
                              ? fmt::format("; next response {} min after each customer follow-up",
                                            policy->next_response_minutes)
                              : std::string{}),
              {}, out);
        update_slas(tx, t.id, SlaSignals{std::nullopt, counted_reply_}, out);
    }
}

const SlaPolicy* EscalationEngine::policy_named(std::string_view name) const {
    for (const auto& p : settings_->policies)
        if (p.name == name) return &p;
    return nullptr;
}

// Next response (Zendesk's "next reply time"): from the oldest customer follow-up that no
// public reply answered yet, once the ticket had its first response; the policy is the one
// its other clocks count under. A new cycle replaces a stopped clock; the timeline keeps
// every cycle.
void EscalationEngine::start_next_response(StoreTx& tx, const Ticket& t, Timestamp at,
                                           const TicketSlaRecord* previous,
                                           const std::vector<TicketSlaRecord>& records, EscalationOutcome& out) {
    if (records.empty() || !t.first_response_at || done_status(t.status)) return;
    const SlaPolicy* policy = policy_named(records.front().policy);
    if (!policy || policy->next_response_minutes <= 0) return;
    const std::string& calendar_name = records.front().calendar;
    const BusinessCalendar* calendar = settings_->calendar_named(calendar_name);
    if (!calendar) calendar = &settings_->calendar_for(t.queue);
    SlaTimeline timeline = previous ? decode_sla_timeline(previous->timeline) : SlaTimeline{};
    SlaClock clock;
    clock.start(at, policy->next_response_minutes, policy->warning_percent, *calendar, &timeline);
    if (waiting_status(t.status)) clock.pause(at, *calendar, &timeline);
    tx.upsert_ticket_sla(
        record_of(t.id, to_string(SlaTarget::next_response), policy->name, calendar_name, clock, timeline));
    if (auto due = clock.next_due()) out.timers.push_back({*due, t.id});
    audit(tx, t.id, "system:sla", "sla_started",
          fmt::format("next_response: {} business minutes from the customer's follow-up at {} (policy '{}', calendar {})",
                      policy->next_response_minutes, format_rfc3339(at), policy->name, calendar_name),
          {}, out);
}

void EscalationEngine::update_slas(StoreTx& tx, TicketId id, const SlaSignals& signals, EscalationOutcome& out) {
    auto t = tx.ticket(id);
    if (!t) return;
    const Timestamp now = clock_.system_now();
    auto records = tx.ticket_slas(id);
    if (records.empty()) return;
    const std::string next_target(to_string(SlaTarget::next_response));
    if (signals.customer_message) {
        const TicketSlaRecord* previous = nullptr;
        for (const auto& r : records)
            if (r.target == next_target) previous = &r;
        // A clock already counting keeps the oldest unanswered follow-up.
        if (!previous || SlaClock(sla_state_of(*previous)).stopped()) {
            start_next_response(tx, *t, *signals.customer_message, previous, records, out);
            records = tx.ticket_slas(id);
        }
    }
    for (const auto& r : records) {
        const BusinessCalendar* calendar = settings_->calendar_named(r.calendar);
        if (!calendar) calendar = &settings_->calendar_for(t->queue);
        SlaClock clock(sla_state_of(r));
        if (clock.stopped()) continue;
        SlaTimeline timeline = decode_sla_timeline(r.timeline);
        const auto before = clock.state();
        SlaEvents reported = clock.due_events(now, &timeline);
        auto add = [&](const SlaEvents& more) {
            for (const auto& e : more)
                if (e.kind == SlaEventKind::warned || e.kind == SlaEventKind::breached) reported.push_back(e);
        };
        const bool first = r.target == to_string(SlaTarget::first_response);
        const bool next = r.target == next_target;
        if (first && t->first_response_at) add(clock.stop(*t->first_response_at, *calendar, &timeline));
        else if (next && signals.response) add(clock.stop(*signals.response, *calendar, &timeline));
        else if (done_status(t->status)) add(clock.stop(now, *calendar, &timeline));
        else if (waiting_status(t->status)) add(clock.pause(now, *calendar, &timeline));
        else if (clock.phase() == SlaPhase::paused) add(clock.resume(now, *calendar, &timeline));
        if (clock.state() == before) continue;
        tx.upsert_ticket_sla(record_of(id, r.target, r.policy, r.calendar, clock, timeline));
        if (auto due = clock.next_due()) out.timers.push_back({*due, id});
        if (clock.stopped())
            audit(tx, id, "system:sla", clock.phase() == SlaPhase::met ? "sla_met" : "sla_stopped",
                  fmt::format("{} after {} business minutes (target {})", r.target, clock.state().used_ms / 60000,
                              r.target_minutes),
                  {}, out);
        handle_sla_events(tx, id, r.target, reported, out);
    }
}

void EscalationEngine::on_timer(StoreTx& tx, TicketId id, EscalationOutcome& out) {
    const Timestamp now = clock_.system_now();
    for (const auto& r : tx.ticket_slas(id)) {
        if (!r.next_due) continue;
        SlaClock clock(sla_state_of(r));
        if (*r.next_due > now) {
            out.timers.push_back({*r.next_due, id});  // woken early (a stale timer): sleep again
            continue;
        }
        SlaTimeline timeline = decode_sla_timeline(r.timeline);
        auto events = clock.due_events(now, &timeline);
        tx.upsert_ticket_sla(record_of(id, r.target, r.policy, r.calendar, clock, timeline));
        if (auto due = clock.next_due()) out.timers.push_back({*due, id});
        handle_sla_events(tx, id, r.target, events, out);
    }
}

void EscalationEngine::handle_sla_events(StoreTx& tx, TicketId id, std::string_view target, const SlaEvents& events,
                                         EscalationOutcome& out) {
    for (const auto& e : events) {
        if (e.kind == SlaEventKind::warned) {
            audit(tx, id, "system:sla", "sla_warning",
                  fmt::format("{} at risk since {}: {} business minutes used, {} left", target, format_rfc3339(e.at),
                              e.business_minutes_used, e.business_minutes_left),
                  {}, out);
            run_rules(tx, id, RuleTrigger::sla_warning, {}, out);
        } else if (e.kind == SlaEventKind::breached) {
            auto t = tx.ticket(id);
            if (!t) return;
            const Tier to = next_tier(t->tier);
            audit(tx, id, "system:sla", "sla_breached",
                  fmt::format("{} deadline {} passed ({} business minutes){}", target, format_rfc3339(e.at),
                              e.business_minutes_used,
                              to != t->tier ? fmt::format("; escalating {} -> {}", to_string(t->tier), to_string(to))
                                            : std::string{}),
                  {}, out);
            if (to != t->tier)
                escalate(tx, id, to, Actor{"system:sla", "SLA", std::nullopt},
                         fmt::format("The {} deadline of {} ({}) passed at {}.", target, ticket_key(id), t->subject,
                                     format_rfc3339(e.at)),
                         out);
            run_rules(tx, id, RuleTrigger::sla_breached, {}, out);
        }
    }
}

void EscalationEngine::escalate(StoreTx& tx, TicketId id, Tier to, const Actor& actor, std::string_view why,
                                EscalationOutcome& out) {
    TicketPatch patch;
    patch.tier = to;
    apply_patch(tx, id, patch, actor, out);
    auto t = tx.ticket(id);
    if (!t) return;
    auto people = settings_->tier_people.find(to);
    if (people != settings_->tier_people.end())
        notify_people(tx, *t, people->second,
                      fmt::format("[{}] escalated to {}: {}", ticket_key(id), to_string(to), t->subject),
                      std::string(why), out);
}

void EscalationEngine::notify_people(StoreTx& tx, const Ticket& t, const std::vector<std::string>& emails,
                                     std::string subject, std::string body, EscalationOutcome& out) {
    for (const auto& address : emails) email(tx, t, address, subject, body, out);
}

void EscalationEngine::email(StoreTx& tx, const Ticket& t, std::string target, std::string subject, std::string body,
                             EscalationOutcome& out) {
    NotificationRecord n;
    n.ticket_id = t.id;
    n.channel = "email";
    n.target = std::move(target);
    n.subject = std::move(subject);
    n.body = std::move(body);
    n.next_attempt_at = n.created_at = clock_.system_now();
    if (mail_) {
        mail_->notice(tx, t, n, out.events);
    } else {
        n.status = "unsent";
        n.last_error = "no outbound mail is configured";
    }
    tx.insert_notification(n);
}

void EscalationEngine::route(StoreTx& tx, TicketId id, std::string_view skill, bool announce_wait,
                             EscalationOutcome& out, const Ticket* known) {
    std::optional<Ticket> read;
    const Ticket* t = known;
    if (!t) {
        read = tx.ticket(id);
        if (!read) return;
        t = &*read;
    }
    if (t->assignee_id || done_status(t->status)) {
        tx.remove_routing_wait(id);
        return;
    }
    auto agents = tx.agents();
    if (agents.empty()) return;  // a desk without agents routes nothing (and says nothing)
    std::map<AgentId, int> load;
    for (auto [agent, open] : tx.open_tickets_by_assignee()) load[agent] = open;
    const auto people = settings_->tier_people.find(t->tier);
    std::vector<RoutableAgent> candidates;
    for (auto& a : agents) {
        const bool in_tier = people != settings_->tier_people.end() &&
                             std::find(people->second.begin(), people->second.end(), ascii_lower(a.email)) !=
                                 people->second.end();
        if (t->tier == Tier::l1 ? a.role != AgentRole::agent : !in_tier) continue;
        RoutableAgent r;
        r.id = a.id;
        r.email = a.email;
        r.queues = a.queues;
        r.skills = a.skills;
        r.languages = a.languages;
        r.open_tickets = load[a.id];
        if (auto s = settings_->agents.find(ascii_lower(a.email)); s != settings_->agents.end()) {
            r.capacity = s->second.capacity;
            r.shift = settings_->calendar_named(s->second.shift);
        }
        candidates.push_back(std::move(r));
    }
    RoutingStrategy strategy = RoutingStrategy::round_robin;
    if (auto q = settings_->queues.find(t->queue); q != settings_->queues.end()) strategy = q->second.routing;
    out.routed = true;
    auto decision = router_.route(candidates, {t->queue, t->language, skill, clock_.system_now()}, strategy);
    if (decision.agent) {
        tx.remove_routing_wait(id);
        TicketPatch patch;
        patch.assignee = std::optional<AgentId>{*decision.agent};
        apply_patch(tx, id, patch, Actor{"system:routing", "Routing", std::nullopt}, out);
        audit(tx, id, "system:routing", "routed", decision.reason, {}, out);
    } else {
        tx.put_routing_wait(id, skill, clock_.system_now());
        if (announce_wait) audit(tx, id, "system:routing", "routing_waiting", decision.reason, {}, out);
    }
}

void EscalationEngine::route_waiting(StoreTx& tx, EscalationOutcome& out) {
    for (const auto& [id, skill] : tx.routing_waits()) route(tx, id, skill, false, out);
}

void EscalationEngine::on_tick(StoreTx& tx, EscalationOutcome& out) {
    route_waiting(tx, out);
    auto rules = rules_.load();
    if (!rules || !rules->listens_to(RuleTrigger::time)) return;
    for (auto status : {TicketStatus::new_, TicketStatus::open, TicketStatus::pending, TicketStatus::on_hold}) {
        TicketQuery q;
        q.status = status;
        q.limit = 200;
        while (true) {
            auto page = tx.tickets(q);
            for (const auto& t : page.tickets) run_rules(tx, t.id, RuleTrigger::time, {}, out);
            if (!page.next_cursor) break;
            q.after = page.next_cursor;
        }
    }
}

Result<ReferralRecord> EscalationEngine::refer(StoreTx& tx, TicketId id, std::string_view specialty,
                                               std::string_view region, const Actor& actor, EscalationOutcome& out) {
    auto t = tx.ticket(id);
    if (!t) return problem(errc::not_found, fmt::format("ticket {} does not exist", ticket_key(id)));
    if (specialty.empty()) return problem(errc::invalid_field, "a referral needs a specialty", "specialty");
    std::vector<std::string> declined;
    for (const auto& r : tx.referrals(id)) {
        if (r.state == "declined") declined.push_back(r.partner);
        else if (r.state != "completed")
            return problem(errc::conflict,
                           fmt::format("{} is already referred to {} (referral {}, {})", ticket_key(id), r.partner, r.id,
                                       r.state));
    }
    std::map<std::string, int, std::less<>> load;
    for (auto& [partner, open] : tx.active_referrals_by_partner()) load[partner] = open;
    PartnerRequest request;
    request.specialty = specialty;
    request.language = t->language;
    request.region = region.empty() ? region_of_language(t->language) : region;
    request.load = &load;
    request.excluded = declined;
    const Partner* p = choose_partner(settings_->partners, request);
    if (!p)
        return problem(errc::conflict,
                       fmt::format("no active partner with specialty '{}' has room{}", specialty,
                                   declined.empty() ? "" : fmt::format(" (declined: {})", fmt::join(declined, ", "))),
                       "specialty");
    const Timestamp now = clock_.system_now();
    ReferralRecord r;
    r.ticket_id = id;
    r.partner = p->id;
    r.specialty = std::string(specialty);
    r.state = "proposed";
    r.created_at = r.updated_at = now;
    tx.insert_referral(r);

    // The case summary for the partner, queued in the outbox like every outbound email.
    const auto messages = tx.messages(id);
    const auto customer = tx.customer(t->requester_id);
    std::string first = messages.empty() ? std::string{} : messages.front().body.substr(0, kSummaryText);
    email(tx, *t, p->email, fmt::format("Referral {}: {}", ticket_key(id), t->subject),
          fmt::format(
        "Dear {},\n\nwe would like to refer a case to you ({}).\n\nCase: {}\nSubject: {}\nPriority: {}\nLanguage: {}\n"
        "Customer: {}{}\nOpened: {}\n\n{}\n\nPlease reply to accept or decline.\n",
        p->name, specialty, ticket_key(id), t->subject, to_string(t->priority), t->language,
        customer ? customer->name : "?",
        customer && !customer->organisation.empty() ? fmt::format(" ({})", customer->organisation) : "",
        format_rfc3339(t->created_at), first),
          out);
    r.state = "sent";
    tx.update_referral(r);
    std::string agreement;
    if (p->hourly_fee) agreement += fmt::format("{} EUR/h", *p->hourly_fee);
    if (p->commission_percent) agreement += fmt::format("{}{} % commission", agreement.empty() ? "" : " + ", *p->commission_percent);
    audit(tx, id, actor.id, "referred",
          fmt::format("referral {} to {} ({}) for {}; agreement {}; case summary queued to {}", r.id, p->name, p->id,
                      specialty, agreement, p->email),
          {{"referral", "", "sent"}}, out);
    TicketPatch patch;
    patch.tier = Tier::external;
    apply_patch(tx, id, patch, actor, out);
    return r;
}

Result<ReferralRecord> EscalationEngine::move_referral(StoreTx& tx, std::int64_t referral, std::string_view state,
                                                       std::string_view note, const Actor& actor,
                                                       EscalationOutcome& out) {
    auto r = tx.referral(referral);
    if (!r) return problem(errc::not_found, fmt::format("referral {} does not exist", referral));
    static const std::map<std::string, std::vector<std::string>, std::less<>> kMoves{
        {"proposed", {"sent", "declined"}},
        {"sent", {"accepted", "declined"}},
        {"accepted", {"completed", "declined"}},
    };
    auto moves = kMoves.find(r->state);
    if (moves == kMoves.end() || std::find(moves->second.begin(), moves->second.end(), state) == moves->second.end())
        return problem(errc::invalid_transition,
                       fmt::format("referral {} is {} and cannot become {}", referral, r->state, state), "state");
    const std::string before = r->state;
    r->state = std::string(state);
    r->note = std::string(note);
    r->updated_at = clock_.system_now();
    tx.update_referral(*r);
    audit(tx, r->ticket_id, actor.id, "referral_" + r->state,
          fmt::format("referral {} to {}{}", r->id, r->partner, note.empty() ? "" : fmt::format(": {}", note)),
          {{"referral", before, r->state}}, out);
    if (r->state == "declined") {
        auto next = refer(tx, r->ticket_id, r->specialty, "", actor, out);
        if (!next) {
            audit(tx, r->ticket_id, actor.id, "referral_exhausted", next.error().message, {}, out);
            escalate(tx, r->ticket_id, Tier::supervisor, actor,
                     fmt::format("No partner took referral of {}: {}", ticket_key(r->ticket_id), next.error().message),
                     out);
        }
    }
    return *r;
}

void EscalationEngine::restore_timers(StoreReader& reader, const std::function<void(const SlaTimer&)>& fn) {
    reader.for_each_pending_sla([&](TicketId id, std::string_view, Timestamp due) { fn(SlaTimer{due, id}); });
}

}  // namespace triage
