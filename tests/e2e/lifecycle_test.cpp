// The whole life of a partnership agreement over REST, driven by the people who do it: the
// `agreement` workflow runs mou_proposal (officer, dean, IR director), legal_review (legal
// reviewer), its own negotiation (officer) and signing (two signatories) as child instances,
// then ends when the IR director terminates it. Each person keeps a feed socket open throughout;
// after every step each must hold, from the feed alone, exactly their own pending actions, and
// GET /api/v1/tasks must list the same.
#include <map>
#include <set>

#include "e2e_fixture.hpp"

namespace accord::e2e {
namespace {

// Whether a task (an instance's view or a feed summary) is one of p's pending actions, one they
// may act on now (docs/api.md, "Who may see and do what"): claimed by them; or not claimed by
// someone else, and assigned to them or held by a role of theirs. A personal task, one of a
// group such as the signatories', is its assignee's alone.
bool is_pending_for(const Person& p, const json& t) {
    if (t.value("status", "") != "open") return false;
    const std::string assignee = t.value("assignee", ""), claimed = t.value("claimed_by", "");
    if (claimed == p.name) return true;
    if (!claimed.empty()) return false;
    if (assignee == p.name) return true;
    if (t.value("personal", false)) return false;
    for (const auto& role : t.value("escalated_to", json::array()))
        if (p.holds(role.get<std::string>())) return true;
    return p.holds(t.value("role", ""));
}

// Whether p is named by a task event: the one who acted, the task's assignee or claimant.
bool names_person(const Person& p, const json& event) {
    const json& t = event["task"];
    return event.value("by", "") == p.name || event.value("from", "") == p.name ||
           event.value("to", "") == p.name || t.value("assignee", "") == p.name ||
           t.value("claimed_by", "") == p.name;
}

// The roles a workflow names, as docs/api.md defines them: each task's role and its
// `<role>_lead`, escalation roles, and the roles of declared events.
std::set<std::string> workflow_roles(const json& definition) {
    std::set<std::string> roles;
    for (const auto& [name, state] : definition["states"].items()) {
        if (!state.contains("task")) continue;
        const json& task = state["task"];
        roles.insert(task["role"].get<std::string>());
        roles.insert(task["role"].get<std::string>() + "_lead");
        if (task.contains("escalate")) roles.insert(task["escalate"]["role"].get<std::string>());
    }
    if (definition.contains("events"))
        for (const auto& [name, event] : definition["events"].items())
            for (const auto& r : event.value("roles", json::array()))
                roles.insert(r.get<std::string>());
    return roles;
}

// A person of the story, with the feed they keep open and what it told them.
struct Participant {
    Person person;
    std::unique_ptr<support::WsClient> feed;
    std::map<std::string, json> pending;  // task id -> the latest summary, while pending
    std::set<std::string> ever_pending;   // ids that were pending for them at some point
    std::set<std::string> finished;       // instances whose instance.finished came
    std::vector<std::string> notices;     // the subjects of the workflows' notifications that came
    std::vector<std::string> strays;      // messages about what is none of their business
};

class Lifecycle : public E2eTest {
protected:
    void SetUp() override {
        E2eTest::SetUp();
        serve();
        auditor_ = add_user("aud", {"auditor"});
    }

    Participant& join(const std::string& name, const std::vector<std::string>& roles) {
        auto p = std::make_unique<Participant>();
        p->person = add_user(name, roles);
        p->feed = std::make_unique<support::WsClient>();
        EXPECT_TRUE(p->feed->connect(accordd_->port(), "/api/v1/feed", p->person.bearer()))
            << p->feed->upgrade_status() << " " << p->feed->upgrade_body();
        auto snapshot = p->feed->read_json(3s);
        EXPECT_TRUE(snapshot && (*snapshot)["type"] == "snapshot") << name << ": no snapshot";
        if (snapshot) apply(*p, *snapshot);
        cast_.push_back(std::move(p));
        return *cast_.back();
    }

    // Updates what p knows from one feed message, and notes what should not have reached them.
    static void apply(Participant& p, const json& m) {
        const std::string type = m.value("type", "");
        if (type == "snapshot") {
            p.pending.clear();
            for (const auto& t : m["items"]) {
                if (!is_pending_for(p.person, t))
                    p.strays.push_back("snapshot item " + t.value("id", "") + " (role " +
                                       t.value("role", "") + ", assignee " +
                                       t.value("assignee", "-") + ")");
                p.pending[t["id"]] = t;
                p.ever_pending.insert(t["id"]);
            }
            return;
        }
        if (type == "instance.finished") {
            const json& inst = m["instance"];
            p.finished.insert(inst.is_object() ? inst.value("id", "") : inst.get<std::string>());
            return;
        }
        if (type == "notification") {
            // Each reader's own copy: whom else it reached is not in it.
            if (m.contains("to")) p.strays.push_back("notification naming others " + m.dump());
            if (m.value("kind", "") == "notify") p.notices.push_back(m.value("subject", ""));
            return;
        }
        if (m.contains("task") && m["task"].is_object()) {
            const json& t = m["task"];
            const std::string id = t.value("id", "");
            const bool pending = is_pending_for(p.person, t);
            if (!pending && !p.ever_pending.contains(id) && !names_person(p.person, m))
                p.strays.push_back(type + " of " + id + " (role " + t.value("role", "") +
                                   ", assignee " + t.value("assignee", "-") + ")");
            if (pending) {
                p.pending[id] = t;
                p.ever_pending.insert(id);
            } else {
                p.pending.erase(id);
            }
            return;
        }
        p.strays.push_back("unexpected message " + m.dump());
    }

    // The running instances, as the auditor sees them.
    json running() {
        auto r = http_->get("/api/v1/instances?status=running&limit=200", auditor_.token);
        EXPECT_EQ(r.status, 200) << describe(r);
        return r.json().value("items", json::array());
    }

    json instance(const std::string& id) {
        auto r = http_->get("/api/v1/instances/" + id, auditor_.token);
        EXPECT_EQ(r.status, 200) << describe(r);
        return r.json();
    }

    // The running instance of a workflow (there is at most one in this story), once it runs:
    // a child starts when the parent's outbox is delivered, just after the parent's commit.
    std::string running_instance_of(const std::string& workflow) {
        std::string id;
        const bool found = eventually([&] {
            for (const auto& i : running())
                if (i["workflow"] == workflow && !i["tasks"].empty()) id = i["id"];
            return !id.empty();
        });
        EXPECT_TRUE(found) << "no running " << workflow << " instance with a task within 3 s";
        return id;
    }

    // Waits until the instance is in the state (a parent moves on when its child's result is
    // delivered); true if it got there within 3 s.
    ::testing::AssertionResult reaches(const std::string& id, const std::string& state) {
        std::string last;
        if (eventually([&] { return (last = instance(id).value("state", "")) == state; }))
            return ::testing::AssertionSuccess();
        return ::testing::AssertionFailure() << id << " is in " << last << ", not " << state;
    }

    // The open task of a running workflow in a state (the first, when a group has several).
    json open_task(const std::string& workflow, const std::string& state,
                   const std::string& assignee = {}) {
        for (const auto& i : running())
            for (const auto& t : i["tasks"])
                if (t["workflow"] == workflow && t["state"] == state &&
                    (assignee.empty() || t.value("assignee", "") == assignee))
                    return t;
        ADD_FAILURE() << "no open task in " << workflow << "." << state;
        return json::object();
    }

    support::HttpResponse act(const Participant& p, const std::string& task_id,
                              const std::string& verb, const json& body,
                              const support::Headers& headers = {}) {
        return http_->post("/api/v1/tasks/" + task_id + "/" + verb, body, p.person.token, headers);
    }

    // After a step: every person's feed, and their GET /api/v1/tasks, show exactly the open
    // tasks that are theirs.
    void expect_everyone_sees_their_own(const std::string& step) {
        SCOPED_TRACE(step);
        std::vector<json> open;
        for (const auto& i : running())
            for (const auto& t : i["tasks"]) open.push_back(t);
        for (auto& p : cast_) {
            std::set<std::string> expected;
            for (const auto& t : open)
                if (is_pending_for(p->person, t)) expected.insert(t["id"]);
            const auto deadline = std::chrono::steady_clock::now() + 3s;
            while (keys(p->pending) != expected && std::chrono::steady_clock::now() < deadline) {
                auto m = p->feed->read_json(100ms);
                if (m) apply(*p, *m);
            }
            EXPECT_EQ(keys(p->pending), expected) << p->person.name << "'s feed";
            auto r = http_->get("/api/v1/tasks", p->person.token);
            EXPECT_EQ(r.status, 200) << describe(r);
            EXPECT_EQ(ids_of(r.json()["items"]), expected)
                << p->person.name << ": GET /api/v1/tasks";
            EXPECT_TRUE(p->strays.empty())
                << p->person.name << " was sent what is not theirs: " << json(p->strays).dump();
            p->strays.clear();
        }
    }

    static std::set<std::string> keys(const std::map<std::string, json>& m) {
        std::set<std::string> out;
        for (const auto& [k, v] : m) out.insert(k);
        return out;
    }

    // The (input, actor) of every history entry.
    std::vector<std::pair<std::string, std::string>> inputs(const std::string& id) {
        auto r = http_->get("/api/v1/instances/" + id + "/history", auditor_.token);
        EXPECT_EQ(r.status, 200) << describe(r);
        std::vector<std::pair<std::string, std::string>> out;
        for (const auto& e : r.json().value("items", json::array()))
            out.emplace_back(e.value("input", ""), e.value("actor", ""));
        return out;
    }

    Person auditor_;
    std::vector<std::unique_ptr<Participant>> cast_;
};

const json kPartner = {{"name", "Universidad de Chile"}, {"country", "CL"}};

TEST_F(Lifecycle, AnAgreementFromProposalToTerminationWhereEachPersonSeesExactlyTheirOwnTasks) {
    Participant& olga = join("olga", {"officer"});
    Participant& dan = join("dan", {"dean"});
    Participant& ida = join("ida", {"ir_director"});
    Participant& lea = join("lea", {"legal"});
    Participant& rita = join("rita", {"signatory"});
    Participant& pat = join("pat", {"signatory"});
    expect_everyone_sees_their_own("before anything started");

    // Who may start what, as the definitions list says: the officer the agreement (one of its
    // roles), the auditor nothing (no role of any workflow).
    auto may_start = [&](const std::string& token) {
        std::set<std::string> names;
        const json list = http_->get("/api/v1/definitions", token).json();
        for (const auto& d : list["items"])
            if (d["can"] == json::array({"start"})) names.insert(d["name"].get<std::string>());
        return names;
    };
    EXPECT_TRUE(may_start(olga.person.token).contains("agreement"));
    EXPECT_FALSE(may_start(lea.person.token).contains("reporting"));
    EXPECT_TRUE(may_start(auditor_.token).empty());

    // The officer starts the agreement; its proposal phase is a mou_proposal child.
    const json start = {{"workflow", "agreement"},
                        {"key", "AGR-E2E-1"},
                        {"data", {{"partner", kPartner}, {"agreement_type", "student_exchange"}}}};
    auto started = http_->post("/api/v1/instances", start, olga.person.token);
    ASSERT_EQ(started.status, 201) << describe(started);
    const std::string agreement = started.json()["id"];
    EXPECT_EQ(started.header("Location"), "/api/v1/instances/" + agreement);
    EXPECT_EQ(started.json()["state"], "proposal");
    EXPECT_EQ(started.json()["key"], "AGR-E2E-1");

    // The same business key again gives the first instance, not a new one.
    json again = start;
    again["data"]["partner"]["name"] = "Another University";
    auto second = http_->post("/api/v1/instances", again, olga.person.token);
    EXPECT_EQ(second.status, 200) << describe(second);
    EXPECT_EQ(second.json()["id"], agreement);
    EXPECT_EQ(second.json()["data"]["partner"]["name"], "Universidad de Chile");
    const std::string mou = running_instance_of("mou_proposal");
    EXPECT_EQ(running().size(), 2u) << "the agreement and its mou_proposal child, nothing more";
    expect_everyone_sees_their_own("started");
    {
        // What the proposal waits on, and until when.
        json view = instance(mou);
        EXPECT_EQ(view["state"], "draft");
        EXPECT_EQ(view["status"], "running");
        EXPECT_EQ(view["parent"], agreement);
        ASSERT_EQ(view["tasks"].size(), 1u) << view.dump();
        const json draft = view["tasks"][0];
        EXPECT_EQ(draft["role"], "officer");
        ASSERT_TRUE(draft.contains("due_at")) << draft.dump();
        std::map<std::string, int> kinds;
        for (const auto& timer : view["timers"]) {
            ++kinds[timer["kind"]];
            EXPECT_EQ(timer["task"], draft["id"]) << timer.dump();
            if (timer["kind"] == "task_due") {
                EXPECT_EQ(timer["due_at"], draft["due_at"]);
            } else {
                EXPECT_LT(timer["due_at"].get<std::string>(), draft["due_at"].get<std::string>());
            }
        }
        EXPECT_EQ(kinds, (std::map<std::string, int>{{"task_due", 1}, {"task_reminder", 2}}))
            << view["timers"].dump();
        json parent = instance(agreement);
        EXPECT_EQ(parent["state"], "proposal");
        EXPECT_TRUE(parent["tasks"].empty()) << parent.dump();
        EXPECT_EQ(parent["children"],
                  json::parse(R"([{"id": ")" + mou +
                              R"(", "workflow": "mou_proposal", "status": "running"}])"));
    }

    const json draft = open_task("mou_proposal", "draft");
    {
        // The form's fields in the definition's order (the author's, not the alphabet's).
        const std::string body =
            http_->get("/api/v1/tasks/" + draft["id"].get<std::string>(), olga.person.token).body;
        const auto at = [&](const char* field) {
            return body.find("\"" + std::string(field) + "\":{");
        };
        EXPECT_LT(at("partner"), at("agreement_type")) << body;
        EXPECT_LT(at("scope"), at("rationale")) << body;
        EXPECT_LT(at("start_date"), at("end_date")) << body;
        EXPECT_NE(at("quotas"), std::string::npos) << body;
    }
    auto submitted =
        act(olga, draft["id"], "complete", {{"outcome", "submit"}, {"fields", proposal_fields()}});
    ASSERT_EQ(submitted.status, 200) << describe(submitted);
    EXPECT_EQ(submitted.json()["instance_state"]["state"], "endorsement");
    expect_everyone_sees_their_own("submitted");

    const json endorsement = open_task("mou_proposal", "endorsement");
    auto claimed = act(dan, endorsement["id"], "claim", json::object());
    ASSERT_EQ(claimed.status, 200) << describe(claimed);
    EXPECT_EQ(claimed.json()["claimed_by"], "dan");
    expect_everyone_sees_their_own("claimed by the dean");
    auto endorsed = act(dan, endorsement["id"], "complete",
                        {{"outcome", "endorse"}, {"comment", "fits the faculty's plan"}});
    ASSERT_EQ(endorsed.status, 200) << describe(endorsed);
    expect_everyone_sees_their_own("endorsed");

    const json review = open_task("mou_proposal", "ir_review");
    auto accepted = act(ida, review["id"], "complete", {{"outcome", "accept"}});
    ASSERT_EQ(accepted.status, 200) << describe(accepted);
    EXPECT_EQ(accepted.json()["instance_state"]["status"], "finished");
    EXPECT_EQ(accepted.json()["instance_state"]["outcome"], "endorsed");
    EXPECT_TRUE(reaches(agreement, "legal_review"));
    const std::string legal = running_instance_of("legal_review");
    expect_everyone_sees_their_own("accepted by the IR director");

    const json legal_task = open_task("legal_review", "review");
    auto approved = act(lea, legal_task["id"], "complete",
                        {{"outcome", "approve"}, {"fields", {{"risk", "low"}}}});
    ASSERT_EQ(approved.status, 200) << describe(approved);
    EXPECT_TRUE(reaches(agreement, "negotiation"));
    expect_everyone_sees_their_own("approved by legal");

    const json negotiation = open_task("agreement", "negotiation");
    auto ready =
        act(olga, negotiation["id"], "complete",
            {{"outcome", "ready"},
             {"fields", {{"final_text", "DOC-E2E v3"}, {"signatories", {"rita", "pat"}}}}});
    ASSERT_EQ(ready.status, 200) << describe(ready);
    const std::string signing = running_instance_of("signing");
    // Each signatory has a personal task: theirs alone, not the other signatory's.
    // BUG (see ASignatorysPersonalTaskIsTheirsAloneOnTheFeedAndInGetTasks): each is also sent
    // the other's task, and GET /api/v1/tasks lists it.
    expect_everyone_sees_their_own("sent for signature");

    const json rita_task = open_task("signing", "sign", "rita");
    const json pat_task = open_task("signing", "sign", "pat");
    const int revision = instance(signing)["revision"];
    auto not_hers = act(rita, pat_task["id"], "complete", {{"outcome", "sign"}});
    EXPECT_TRUE(is_problem(not_hers, 403, "forbidden")) << describe(not_hers);
    EXPECT_EQ(instance(signing)["revision"], revision) << "a refused completion changed nothing";

    // The same completion twice with one Idempotency-Key is applied once.
    const support::Headers key = {{"Idempotency-Key", "rita-signs-1"}};
    auto signed_once = act(rita, rita_task["id"], "complete", {{"outcome", "sign"}}, key);
    ASSERT_EQ(signed_once.status, 200) << describe(signed_once);
    auto signed_twice = act(rita, rita_task["id"], "complete", {{"outcome", "sign"}}, key);
    EXPECT_EQ(signed_twice.status, 200) << describe(signed_twice);
    for (const char* member : {"id", "status", "outcome", "closed_by", "closed_at"})
        EXPECT_EQ(signed_twice.json()[member], signed_once.json()[member]) << member;
    EXPECT_EQ(signed_twice.json()["instance_state"]["revision"], revision + 1);
    EXPECT_EQ(instance(signing)["revision"], revision + 1) << "the retry applied nothing";
    expect_everyone_sees_their_own("signed by rita");

    auto pat_signed = act(pat, pat_task["id"], "complete", {{"outcome", "sign"}});
    ASSERT_EQ(pat_signed.status, 200) << describe(pat_signed);
    EXPECT_TRUE(reaches(agreement, "pending_start"));
    expect_everyone_sees_their_own("signed by pat");
    {
        // Signed before its start date: waiting for it, on a state timer.
        json view = instance(agreement);
        EXPECT_EQ(view["state"], "pending_start");
        EXPECT_EQ(view["data"]["signatories"], json({"rita", "pat"}));
        ASSERT_EQ(view["timers"].size(), 1u) << view.dump();
        const json timer = view["timers"][0];
        EXPECT_EQ(timer["kind"], "state");
        EXPECT_EQ(timer["event"], "commence");
        EXPECT_EQ(timer["name"], "entry_into_force");
        EXPECT_EQ(timer["due_at"].get<std::string>().substr(0, 10), "2030-09-01") << timer.dump();
        // Every child it started, those of the states it left with their outcome.
        std::vector<std::string> children;
        for (const auto& c : view["children"])
            children.push_back(c["workflow"].get<std::string>() + ":" +
                               c["status"].get<std::string>() + ":" + c.value("outcome", ""));
        EXPECT_EQ(children, (std::vector<std::string>{"mou_proposal:finished:endorsed",
                                                      "legal_review:finished:approved",
                                                      "signing:finished:signed"}))
            << view["children"].dump();
    }

    // The IR director terminates it with immediate effect: the end.
    auto terminated = http_->post(
        "/api/v1/instances/" + agreement + "/events",
        {{"event", "terminate"},
         {"data", {{"reason", "the partner closed its faculty"}, {"effective_on", "2020-01-01"}}}},
        ida.person.token);
    ASSERT_EQ(terminated.status, 200) << describe(terminated);
    EXPECT_EQ(terminated.json()["state"], "terminated");
    EXPECT_EQ(terminated.json()["status"], "finished");
    EXPECT_EQ(terminated.json()["outcome"], "terminated");
    EXPECT_TRUE(terminated.json()["timers"].empty());
    expect_everyone_sees_their_own("terminated");
    EXPECT_TRUE(running().empty());

    // Every input is in its instance's history, with who gave it (children are started, and
    // their results given to the parent, by the system), and nothing twice.
    using Inputs = std::vector<std::pair<std::string, std::string>>;
    EXPECT_EQ(inputs(mou), (Inputs{{"start", "system"},
                                   {"complete", "olga"},
                                   {"claim", "dan"},
                                   {"complete", "dan"},
                                   {"complete", "ida"}}));
    EXPECT_EQ(inputs(legal), (Inputs{{"start", "system"}, {"complete", "lea"}}));
    EXPECT_EQ(inputs(signing),
              (Inputs{{"start", "system"}, {"complete", "rita"}, {"complete", "pat"}}));
    const Inputs agreement_inputs = inputs(agreement);
    EXPECT_EQ(agreement_inputs, (Inputs{{"start", "olga"},
                                        {"child", "system"},
                                        {"child", "system"},
                                        {"complete", "olga"},
                                        {"child", "system"},
                                        {"event", "ida"}}));
    EXPECT_EQ(instance(agreement)["revision"], static_cast<int>(agreement_inputs.size()));

    // instance.finished reached those who hold a role of the finished workflow, and no one else.
    std::map<std::string, std::set<std::string>> roles_of;
    for (const char* w : {"agreement", "mou_proposal", "legal_review", "signing"})
        roles_of[w] = workflow_roles(shipped_definition(w));
    const std::map<std::string, std::string> finished = {{agreement, "agreement"},
                                                         {mou, "mou_proposal"},
                                                         {legal, "legal_review"},
                                                         {signing, "signing"}};
    for (auto& p : cast_) {
        for (auto& m : p->feed->drain(300ms)) apply(*p, m);
        std::set<std::string> expected;
        for (const auto& [id, workflow] : finished)
            for (const auto& r : p->person.roles)
                if (roles_of[workflow].contains(r)) expected.insert(id);
        EXPECT_EQ(p->finished, expected) << p->person.name << ": instance.finished";
        // The termination notifies the officers and IR directors.
        const bool notified = p->person.holds("officer") || p->person.holds("ir_director");
        EXPECT_EQ(p->notices,
                  notified
                      ? std::vector<std::string>{"Agreement with Universidad de Chile terminated"}
                      : std::vector<std::string>{})
            << p->person.name;
        EXPECT_TRUE(p->pending.empty()) << p->person.name;
        EXPECT_TRUE(p->strays.empty()) << p->person.name << ": " << json(p->strays).dump();
        EXPECT_TRUE(p->feed->is_open()) << p->person.name << "'s feed closed";
    }
}

// A personal task (one of a multi-person group) is its assignee's alone: another holder of its
// role may not complete it (403), so it is not among their pending actions.
// BUG: it reaches them anyway. Feed::concerns (adapters/http/src/feed.cpp) sends a task's
// events to every holder of its role, assignee or not; Feed::send_snapshot and Api::list_tasks
// (adapters/http/src/api.cpp) list the role's queue, which holds personal tasks too
// (adapters/redis/src/redis_store.cpp, the role:<role> membership of every open task).
TEST_F(Lifecycle, ASignatorysPersonalTaskIsTheirsAloneOnTheFeedAndInGetTasks) {
    Participant& rita = join("rita", {"signatory"});
    join("pat", {"signatory"});
    const Person olga = add_user("olga", {"officer"});
    auto started =
        http_->post("/api/v1/instances",
                    {{"workflow", "signing"},
                     {"data", {{"partner", kPartner}, {"signatories", {"rita", "pat"}}}}},
                    olga.token);
    ASSERT_EQ(started.status, 201) << describe(started);
    expect_everyone_sees_their_own("sent for signature");

    const json rita_task = open_task("signing", "sign", "rita");
    const json pat_task = open_task("signing", "sign", "pat");
    EXPECT_EQ(pat_task.value("personal", false), true) << pat_task.dump();
    support::WsClient late;
    ASSERT_TRUE(late.connect(accordd_->port(), "/api/v1/feed", rita.person.bearer()));
    auto snapshot = late.read_json(3s).value_or(json());
    ASSERT_EQ(snapshot["type"], "snapshot");
    EXPECT_EQ(ids_of(snapshot["items"]), std::set<std::string>{rita_task["id"]})
        << "rita's snapshot";
    auto not_hers = act(rita, pat_task["id"], "complete", {{"outcome", "sign"}});
    EXPECT_TRUE(is_problem(not_hers, 403, "forbidden")) << describe(not_hers);
    for (auto& p : cast_) {
        for (auto& m : p->feed->drain(300ms)) apply(*p, m);
        EXPECT_TRUE(p->strays.empty()) << p->person.name << ": " << json(p->strays).dump();
    }
}

// Retrying a completion with its Idempotency-Key (as a client does after a lost response) gets
// the first result, even though the completion moved the instance to another state.
TEST_F(Lifecycle, RetryingACompletionThatMovedTheInstanceReturnsTheFirstResult) {
    Participant& olga = join("olga", {"officer"});
    const auto [id, task] = start_proposal(*http_, olga.person.token);
    ASSERT_FALSE(id.empty());
    const support::Headers key = {{"Idempotency-Key", "submit-" + id}};
    const json body = {{"outcome", "submit"}, {"fields", proposal_fields()}};
    auto first = act(olga, task, "complete", body, key);
    ASSERT_EQ(first.status, 200) << describe(first);
    ASSERT_EQ(first.json()["instance_state"]["state"], "endorsement");
    const int revision = instance(id)["revision"];

    auto retry = act(olga, task, "complete", body, key);
    EXPECT_EQ(retry.status, 200) << describe(retry);
    EXPECT_EQ(retry.json()["status"], "completed");
    EXPECT_EQ(retry.json()["closed_by"], "olga");
    EXPECT_EQ(instance(id)["revision"], revision) << "the retry applied nothing";
    EXPECT_EQ(inputs(id).size(), 2u) << "start and one completion";
}

}  // namespace
}  // namespace accord::e2e
