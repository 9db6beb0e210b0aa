"""Tags, notes and saved segments: create, read, change, delete through the pages (htmx and not),
precise validation errors with nothing changed, scope (403 / 404), CSRF, and the audit trail.

Uses ``dash_world``: HR bot (20 conversations in June, users h0..h9) and Sales bot (5, users
s1..s5); owner, product, cx and viewer belong to HR only.
"""

from __future__ import annotations

import pytest
from django.test import Client

from apps.audit.models import AuditEntry
from apps.compliance.retention import end_user_erase
from apps.conversations.models import Conversation
from apps.dashboards.models import ConversationTag, Note, Segment, Tag, UserTag
from apps.dashboards.selectors import segment_filters
from apps.dashboards.services import conversation_tag_add, end_user_tag_add, note_create, segment_create
from tests.conftest import ALPHA
from tests.dashboards.conftest import JUNE, DashWorld

pytestmark = pytest.mark.django_db

URL = "/dashboards/conversations/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def snapshot() -> tuple:
    """Everything the qualitative layer holds, to assert that a refused request changed nothing."""
    return (
        sorted(Tag.objects.values_list("name", flat=True)),
        sorted(ConversationTag.objects.values_list("conversation_id", "tag__name")),
        sorted(UserTag.objects.values_list("end_user_id", "tag__name")),
        sorted(Note.objects.values_list("id", "text", "conversation_id", "end_user_id")),
        sorted(Segment.objects.values_list("id", "name", "shared", "filters")),
        AuditEntry.objects.count(),
    )


def hr_conversation(world: DashWorld) -> Conversation:
    return Conversation.objects.filter(assistant=world.hr_bot).order_by("started_at").first()


def sales_conversation(world: DashWorld) -> Conversation:
    return Conversation.objects.filter(assistant=world.sales_bot).order_by("started_at").first()


# --- tags ---------------------------------------------------------------------------------------


def test_tag_a_conversation_with_htmx_and_filter_by_it(dash_world: DashWorld) -> None:
    conv = hr_conversation(dash_world)
    client = dash_world.client("cx")
    response = client.post(f"{URL}{conv.pk}/tags/", {"name": "  Billing   Bug "}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section class="card annotations" id="conversation-annotations">')
    assert ">billing bug</a>" in body
    assert list(ConversationTag.objects.values_list("conversation_id", "tag__name")) == [(conv.pk, "billing bug")]
    entry = AuditEntry.objects.get(action="conversation.tag")
    assert (entry.target_id, entry.after) == (str(conv.pk), {"tag": "billing bug"})
    listed = client.get(URL, {**JUNE, "tag": "Billing Bug"})
    assert [r.conversation.pk for r in listed.context["rows"]] == [conv.pk]
    assert listed.context["rows"][0].tags == ["billing bug"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Name the tag."),
        ("x" * 41, "A tag is at most 40 characters."),
        ("#hash", "A tag starts with a letter or digit"),
        ("a<b>", "A tag starts with a letter or digit"),
        ("vip", "This conversation is already tagged “vip”."),
    ],
)
def test_a_bad_tag_is_refused_with_its_reason_and_nothing_changes(dash_world: DashWorld, name, message) -> None:
    conv = hr_conversation(dash_world)
    conversation_tag_add(actor=dash_world.users["admin"], conversation=conv, name="vip")
    before = snapshot()
    response = dash_world.client("product").post(f"{URL}{conv.pk}/tags/", {"name": name}, **HTMX)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot() == before


def test_without_htmx_a_tag_redirects_back_and_an_error_is_a_page(dash_world: DashWorld) -> None:
    conv = hr_conversation(dash_world)
    client = dash_world.client("product")
    back = f"{URL}{conv.pk}/"
    ok = client.post(f"{URL}{conv.pk}/tags/", {"name": "vip", "next": back})
    assert (ok.status_code, ok["Location"]) == (302, back)
    # A next on another host is ignored: back to the conversation.
    elsewhere = client.post(f"{URL}{conv.pk}/tags/", {"name": "later", "next": "https://evil.example/"})
    assert elsewhere["Location"] == back
    bad = client.post(f"{URL}{conv.pk}/tags/", {"name": "!"})
    assert bad.status_code == 400
    assert b"A tag starts with a letter or digit" in bad.content


def test_remove_a_tag_and_the_unused_name_goes(dash_world: DashWorld) -> None:
    conv = hr_conversation(dash_world)
    tag = conversation_tag_add(actor=dash_world.users["admin"], conversation=conv, name="vip").tag
    client = dash_world.client("cx")
    response = client.post(f"{URL}{conv.pk}/tags/{tag.pk}/remove/", **HTMX)
    assert response.status_code == 200
    assert not ConversationTag.objects.exists()
    assert not Tag.objects.exists()
    assert AuditEntry.objects.filter(action="conversation.untag", before={"tag": "vip"}).count() == 1
    assert client.post(f"{URL}{conv.pk}/tags/{tag.pk}/remove/", **HTMX).status_code == 404


def test_a_conversation_out_of_scope_cannot_be_tagged_or_noted(dash_world: DashWorld) -> None:
    sales = sales_conversation(dash_world)
    before = snapshot()
    client = dash_world.client("product")
    assert client.post(f"{URL}{sales.pk}/tags/", {"name": "vip"}).status_code == 404
    assert client.post(f"{URL}{sales.pk}/notes/", {"text": "hello"}).status_code == 404
    assert (
        dash_world.client("viewer").post(f"{URL}{hr_conversation(dash_world).pk}/tags/", {"name": "x"}).status_code
        == 403
    )
    assert snapshot() == before


def test_tag_a_user_and_their_conversations_carry_it(dash_world: DashWorld) -> None:
    client = dash_world.client("cx")
    response = client.post("/dashboards/users/tags/", {"user": "h3", "name": "churn risk"}, **HTMX)
    assert response.status_code == 200
    assert 'id="user-annotations"' in response.content.decode()
    assert list(UserTag.objects.values_list("end_user_id", "tag__name")) == [("h3", "churn risk")]
    # h3 is the first user of June 4 and the second of June 3.
    listed = client.get(URL, {**JUNE, "tag": "churn risk"})
    assert sorted(r.conversation.started_at.day for r in listed.context["rows"]) == [3, 4]
    entry = AuditEntry.objects.get(action="end_user.tag")
    assert "h3" not in f"{entry.target_label} {entry.target_id} {entry.after}"  # ids of end users stay out of the log
    tag_id = UserTag.objects.get().tag_id
    assert client.post(f"/dashboards/users/tags/{tag_id}/remove/", {"user": "h3"}, **HTMX).status_code == 200
    assert not UserTag.objects.exists()


def test_a_user_out_of_scope_or_missing_is_refused(dash_world: DashWorld) -> None:
    before = snapshot()
    client = dash_world.client("product")
    assert client.post("/dashboards/users/tags/", {"user": "s1", "name": "vip"}).status_code == 404  # a Sales user
    assert client.post("/dashboards/users/tags/", {"user": "nobody", "name": "vip"}).status_code == 404
    missing = client.post("/dashboards/users/notes/", {"text": "hi"})
    assert missing.status_code == 400
    assert missing.content.decode() == "user: Say which user (their pseudonymous id)."
    assert snapshot() == before


# --- notes ----------------------------------------------------------------------------------------


def test_notes_are_added_edited_and_deleted_by_their_author(dash_world: DashWorld) -> None:
    conv = hr_conversation(dash_world)
    client = dash_world.client("product")
    response = client.post(f"{URL}{conv.pk}/notes/", {"text": "Asked twice about payslips.\nSee ticket."}, **HTMX)
    assert response.status_code == 200
    assert "Asked twice about payslips.<br>See ticket." in response.content.decode()
    note = Note.objects.get()
    assert (note.conversation_id, note.end_user_id, note.author_id) == (conv.pk, "", dash_world.users["product"].pk)
    edited = client.post(f"/dashboards/notes/{note.pk}/", {"text": "Asked three times."}, **HTMX)
    assert edited.status_code == 200
    note.refresh_from_db()
    assert note.text == "Asked three times."
    assert [
        (e.action, e.before, e.after) for e in AuditEntry.objects.filter(action__startswith="note.").order_by("id")
    ] == [
        ("note.create", None, {"length": 39}),
        ("note.update", {"length": 39}, {"length": 18}),
    ]  # lengths only: a note's text may hold what the audit log must not keep forever
    assert client.post(f"/dashboards/notes/{note.pk}/delete/", **HTMX).status_code == 200
    assert not Note.objects.exists()
    transcript = client.get(f"{URL}{conv.pk}/")
    assert b"No notes yet." in transcript.content


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "Write the note."), ("x" * 2001, "A note is at most 2,000 characters (it has 2001).")],
)
def test_a_bad_note_is_refused_and_nothing_changes(dash_world: DashWorld, text, message) -> None:
    conv = hr_conversation(dash_world)
    before = snapshot()
    response = dash_world.client("cx").post(f"{URL}{conv.pk}/notes/", {"text": text}, **HTMX)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot() == before


def test_only_the_author_changes_a_note(dash_world: DashWorld) -> None:
    conv = hr_conversation(dash_world)
    note = note_create(actor=dash_world.users["product"], conversation=conv, text="mine")
    before = snapshot()
    other = dash_world.client("cx")  # sees the conversation, did not write the note
    assert other.post(f"/dashboards/notes/{note.pk}/", {"text": "theirs"}).status_code == 403
    assert other.post(f"/dashboards/notes/{note.pk}/delete/").status_code == 403
    bad = dash_world.client("product").post(f"/dashboards/notes/{note.pk}/", {"text": ""}, **HTMX)
    assert bad.status_code == 400
    assert "Note not changed: Write the note." in bad.content.decode()
    assert snapshot() == before
    # Someone who may not see the conversation does not learn that the note exists.
    sales_note = note_create(actor=dash_world.users["admin"], conversation=sales_conversation(dash_world), text="x")
    assert other.post(f"/dashboards/notes/{sales_note.pk}/", {"text": "y"}).status_code == 404


def test_user_notes_show_beside_the_users_conversations(dash_world: DashWorld) -> None:
    conv = hr_conversation(dash_world)  # user h0
    client = dash_world.client("cx")
    assert (
        client.post("/dashboards/users/notes/", {"user": conv.user_id, "text": "Called back on Monday."}).status_code
        == 302
    )
    body = client.get(f"{URL}{conv.pk}/").content.decode()
    assert "Called back on Monday." in body
    assert Note.objects.get().end_user_id == conv.user_id


def test_posts_need_the_csrf_token(dash_world: DashWorld) -> None:
    conv = hr_conversation(dash_world)
    client = Client(HTTP_HOST=ALPHA["domain"], enforce_csrf_checks=True)
    client.force_login(dash_world.users["cx"])
    assert client.post(f"{URL}{conv.pk}/tags/", {"name": "vip"}).status_code == 403
    assert client.post("/dashboards/segments/", {"name": "x", "query": "frustrated=1"}).status_code == 403
    assert not ConversationTag.objects.exists()
    assert not Segment.objects.exists()
    # The page carries the token for htmx (hx-headers on <body>) and in every form.
    page = client.get(f"{URL}{conv.pk}/").content.decode()
    assert 'hx-headers=\'{"X-CSRFToken": "' in page
    assert page.count('name="csrfmiddlewaretoken"') >= 4


# --- segments ------------------------------------------------------------------------------------


def test_save_the_current_filters_as_a_segment_and_apply_it(dash_world: DashWorld) -> None:
    client = dash_world.client("product")
    query = f"from=2026-06-01&to=2026-06-30&assistant={dash_world.hr_bot.pk}&outcome=resolved&page=2&sort=oldest"
    response = client.post("/dashboards/segments/", {"name": " Resolved   HR ", "query": query})
    segment = Segment.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"{URL}?segment={segment.pk}")
    assert (segment.name, segment.shared, segment.owner_id) == ("Resolved HR", False, dash_world.users["product"].pk)
    # Paging and sorting are how a list is read, not which conversations are in it.
    assert segment.filters == [
        ["from", "2026-06-01"],
        ["to", "2026-06-30"],
        ["assistant", str(dash_world.hr_bot.pk)],
        ["outcome", "resolved"],
    ]
    applied = client.get(URL, {"segment": segment.pk})
    assert applied.status_code == 200
    assert len(applied.context["rows"]) == 10  # the first HR conversation of each of June 1..10
    assert {r.facts.outcome for r in applied.context["rows"]} == {"resolved"}
    # A filter in the URL replaces the segment's own.
    narrowed = client.get(URL, {"segment": segment.pk, "from": "2026-06-05"})
    assert len(narrowed.context["rows"]) == 6
    assert segment_filters(dash_world.users["product"], segment.pk) == [tuple(p) for p in segment.filters]
    assert segment_filters(dash_world.users["cx"], segment.pk) is None  # private
    assert AuditEntry.objects.filter(action="segment.create", target_id=str(segment.pk)).count() == 1


def test_a_shared_segment_is_everyones_but_only_its_owner_changes_it(dash_world: DashWorld) -> None:
    segment = segment_create(
        actor=dash_world.users["product"], name="Frustrated", filters=[("frustrated", "1")], shared=True
    )
    assert segment_filters(dash_world.users["cx"], segment.pk) == [("frustrated", "1")]
    cx = dash_world.client("cx")
    assert cx.get(URL, {"segment": segment.pk}).status_code == 200
    before = snapshot()
    assert cx.post(f"/dashboards/segments/{segment.pk}/", {"name": "Mine now", "shared": "on"}).status_code == 403
    assert cx.post(f"/dashboards/segments/{segment.pk}/delete/").status_code == 403
    assert snapshot() == before
    owner = dash_world.client("product")
    renamed = owner.post(f"/dashboards/segments/{segment.pk}/", {"name": "Frustrated people"})  # unticked: unshared
    assert renamed.status_code == 302
    segment.refresh_from_db()
    assert (segment.name, segment.shared) == ("Frustrated people", False)
    entry = AuditEntry.objects.get(action="segment.update")
    assert (entry.before, entry.after) == (
        {"name": "Frustrated", "shared": True},
        {"name": "Frustrated people", "shared": False},
    )
    assert cx.get(URL, {"segment": segment.pk}).status_code == 400  # no longer shared
    assert owner.post(f"/dashboards/segments/{segment.pk}/delete/").status_code == 302
    assert not Segment.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "query": "frustrated=1"}, "Name the segment."),
        ({"name": "   ", "query": "frustrated=1"}, "Name the segment."),
        ({"name": "x" * 81, "query": "frustrated=1"}, "A segment name is at most 80 characters."),
        ({"name": "frustrated ones", "query": "frustrated=1"}, "You already have a segment named “frustrated ones”."),
        ({"name": "New", "query": "page=3&sort=oldest"}, "Choose at least one filter before saving a segment."),
        ({"name": "New", "query": "outcome=won"}, "These filters cannot be saved: outcome: Select a valid choice."),
    ],
)
def test_a_bad_segment_is_refused_with_its_reason_and_nothing_changes(dash_world: DashWorld, data, message) -> None:
    segment_create(actor=dash_world.users["cx"], name="Frustrated ones", filters=[("frustrated", "1")])
    before = snapshot()
    response = dash_world.client("cx").post("/dashboards/segments/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot() == before


def test_a_segment_cannot_smuggle_in_an_assistant_out_of_scope(dash_world: DashWorld) -> None:
    before = snapshot()
    query = f"assistant={dash_world.sales_bot.pk}"
    response = dash_world.client("product").post("/dashboards/segments/", {"name": "Sales", "query": query})
    assert response.status_code == 400
    assert f"No assistant {dash_world.sales_bot.pk} that you may see." in response.content.decode()
    assert snapshot() == before
    # An admin's shared Sales segment applied by an HR member is refused, never widened.
    shared = segment_create(
        actor=dash_world.users["admin"],
        name="Sales",
        filters=[("assistant", str(dash_world.sales_bot.pk))],
        shared=True,
    )
    refused = dash_world.client("product").get(URL, {"segment": shared.pk})
    assert refused.status_code == 400
    assert b"Sales bot" not in refused.content


def test_a_private_segment_of_another_user_is_not_found(dash_world: DashWorld) -> None:
    segment = segment_create(actor=dash_world.users["admin"], name="Mine", filters=[("frustrated", "1")])
    client = dash_world.client("cx")
    assert client.get(URL, {"segment": segment.pk}).status_code == 400
    assert client.post(f"/dashboards/segments/{segment.pk}/", {"name": "x"}).status_code == 404
    assert client.post(f"/dashboards/segments/{segment.pk}/delete/").status_code == 404
    assert Segment.objects.filter(pk=segment.pk, name="Mine").exists()


# --- erasure ----------------------------------------------------------------------------------------


def test_erasing_an_end_user_erases_what_was_written_about_them(dash_world: DashWorld) -> None:
    admin = dash_world.users["admin"]
    h3 = Conversation.objects.filter(user_id="h3").order_by("started_at").first()
    h4 = Conversation.objects.filter(user_id="h4").order_by("started_at").first()
    conversation_tag_add(actor=admin, conversation=h3, name="escalate me")
    conversation_tag_add(actor=admin, conversation=h4, name="shared tag")
    note_create(actor=admin, conversation=h3, text="about the conversation")
    end_user_tag_add(actor=admin, end_user_id="h3", name="shared tag")
    end_user_tag_add(actor=admin, end_user_id="h3", name="only h3")
    note_create(actor=admin, end_user_id="h3", text="about the person")
    note_create(actor=admin, end_user_id="h4", text="someone else")

    record = end_user_erase(actor=dash_world.users["compliance"], user_id="h3")

    assert record.counts["end_user_annotations"] == 3  # two user tags and one user note
    assert not UserTag.objects.filter(end_user_id="h3").exists()
    assert list(Note.objects.values_list("end_user_id", "text")) == [("h4", "someone else")]
    # Rows on the user's conversations went with the conversations; unused tag names went too.
    assert list(ConversationTag.objects.values_list("conversation_id", "tag__name")) == [(h4.pk, "shared tag")]
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["shared tag"]
