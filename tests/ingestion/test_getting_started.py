"""The getting-started page of an assistant and its live first-event indicator."""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

import orjson
import pytest
from django.test import Client
from django.utils import timezone

from apps.ingestion.models import IngestBatch
from apps.registry.models import ApiKey
from tests.factories import issue_key, issue_publishable_key
from tests.registry.conftest import World, login, world  # noqa: F401 - the registry's fixtures

HTMX = {"HTTP_HX_REQUEST": "true"}


def _page(pk: int) -> str:
    return f"/registry/{pk}/getting-started/"


def _poll(pk: int) -> str:
    return f"/registry/{pk}/getting-started/first-event/"


@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 200), ("owner", 200), ("product", 403), ("cx", 403), ("compliance", 403), ("viewer", 403)],
)
def test_only_who_manages_the_assistant_may_open_the_page_and_its_indicator(
    login,  # noqa: F811
    world: World,  # noqa: F811
    role: str,
    status: int,
) -> None:
    client = login(role)
    assert client.get(_page(world.hr_bot.pk)).status_code == status
    assert client.get(_poll(world.hr_bot.pk), **HTMX).status_code == status


def test_an_owner_of_another_department_gets_404_not_the_page(login, world: World) -> None:  # noqa: F811
    client = login("owner")
    assert client.get(_page(world.sales_bot.pk)).status_code == 404
    assert client.get(_poll(world.sales_bot.pk)).status_code == 404
    assert login("admin").get(_page(world.sales_bot.pk)).status_code == 200


def test_anonymous_is_sent_to_log_in(alpha_client: Client, world: World) -> None:  # noqa: F811
    response = alpha_client.get(_page(world.hr_bot.pk))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_snippets_name_the_key_prefix_and_the_organizations_host_never_the_secret(login, world: World) -> None:  # noqa: F811
    older = issue_key(world.hr_bot)
    newest = issue_key(world.hr_bot)
    revoked_plain = issue_key(world.hr_bot)
    older_key, newest_key, revoked = (ApiKey.objects.get(prefix=p[:21]) for p in (older, newest, revoked_plain))
    ApiKey.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())

    html = login("owner").get(_page(world.hr_bot.pk)).content.decode()
    base = "http://alpha.localhost:8000"  # TESSERA_PUBLIC_URL_TEMPLATE with the primary domain
    assert f"curl -sS -X POST {base}/api/v1/events" in html
    assert f'Tessera(os.environ["TESSERA_API_KEY"], "{base}")' in html
    assert f"OTEL_EXPORTER_OTLP_ENDPOINT={base}/api/v1/otlp" in html
    assert "Authorization=Bearer%20$TESSERA_API_KEY" in html
    assert f"LANGFUSE_PUBLIC_KEY={newest_key.prefix}\n" in html
    assert f"LANGFUSE_BASE_URL={base}" in html
    assert f'{base}/static/tessera/tessera.js"\n        data-key="tpk_live_…"' in html  # no publishable key yet
    assert "This assistant has no publishable key yet." in html
    assert 'export LANGFUSE_SECRET_KEY="$TESSERA_API_KEY"' in html
    assert "docs/integrations/browser.md" in html
    assert f"<code>{newest_key.prefix}…</code>" in html  # the newest active key by default
    for plaintext in (older, newest, revoked_plain):
        assert plaintext not in html

    # Right after creating a key, its link names that key; a revoked key is never offered.
    html = login("owner").get(_page(world.hr_bot.pk), {"key": older_key.pk}).content.decode()
    assert f"LANGFUSE_PUBLIC_KEY={older_key.prefix}\n" in html
    html = login("owner").get(_page(world.hr_bot.pk), {"key": revoked.pk}).content.decode()
    assert revoked.prefix not in html
    assert f"LANGFUSE_PUBLIC_KEY={newest_key.prefix}\n" in html


def test_without_an_active_key_the_page_says_to_create_one(login, world: World) -> None:  # noqa: F811
    html = login("admin").get(_page(world.hr_bot.pk)).content.decode()
    assert "This assistant has no active key yet." in html
    assert "tsk_live_" not in html.replace("tsk_live_…", "")


def test_the_indicator_turns_green_once_an_event_is_ingested(
    login,  # noqa: F811
    world: World,  # noqa: F811
    alpha_client: Client,
) -> None:
    key = issue_key(world.hr_bot)
    client = login("owner")
    page = client.get(_page(world.hr_bot.pk)).content.decode()
    assert 'data-arrived="false"' in page
    assert "Waiting for your first event…" in page
    assert f'hx-get="{_poll(world.hr_bot.pk)}" hx-trigger="every 2s"' in page

    waiting = client.get(_poll(world.hr_bot.pk), **HTMX).content.decode()
    assert waiting.lstrip().startswith('<div id="first-event"')
    assert 'data-arrived="false"' in waiting
    assert "hx-trigger" in waiting

    # Another assistant's event does not count.
    other = issue_key(world.sales_bot)
    event = {
        "id": "gs-1",
        "type": "message",
        "timestamp": timezone.now().isoformat(),
        "conversation_id": "gs",
        "user_id": "tester",
        "message_id": "m1",
        "role": "user",
        "content": "Hello Tessera",
    }
    for api_key in (other, key):
        response = Client(HTTP_HOST="alpha.localhost").post(
            "/api/v1/events",
            data=orjson.dumps({"events": [event]}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {api_key}",
        )
        assert response.json() == {"accepted": 1, "duplicates": 0, "rejected": []}
        if api_key == other:
            assert 'data-arrived="false"' in client.get(_poll(world.hr_bot.pk), **HTMX).content.decode()

    arrived = client.get(_poll(world.hr_bot.pk), **HTMX).content.decode()
    first_at = IngestBatch.objects.get(assistant=world.hr_bot).received_at
    assert 'data-arrived="true"' in arrived
    assert "First event received" in arrived
    assert f'<time datetime="{timezone.localtime(first_at).isoformat()}">' in arrived
    assert "hx-trigger" not in arrived  # green: the polling stops
    assert f"/dashboards/conversations/?assistant={world.hr_bot.pk}" in arrived


def test_the_detail_page_links_to_it_for_managers_and_right_after_a_key_is_created(login, world: World) -> None:  # noqa: F811
    pk = world.hr_bot.pk
    assert _page(pk) in login("owner").get(f"/registry/{pk}/").content.decode()
    assert _page(pk) not in login("viewer").get(f"/registry/{pk}/").content.decode()

    html = login("owner").post(f"/registry/{pk}/keys/", {"name": "prod"}, **HTMX).content.decode()
    created = ApiKey.objects.get(assistant=world.hr_bot, name="prod")
    assert f'href="{_page(pk)}?key={created.pk}"' in html


def test_a_publishable_key_names_only_the_browser_snippet(login, world: World) -> None:  # noqa: F811
    secret = issue_key(world.hr_bot)
    browser = issue_publishable_key(world.hr_bot, origins=["http://localhost:8765"])
    secret_key, browser_key = (ApiKey.objects.get(prefix=p[:21]) for p in (secret, browser))
    # Even asked for by id (the link right after creating it), a publishable key never becomes
    # the key of the curl, SDK, OTel or Langfuse examples, and the secret never the snippet's.
    html = login("owner").get(_page(world.hr_bot.pk), {"key": browser_key.pk}).content.decode()
    assert f"LANGFUSE_PUBLIC_KEY={secret_key.prefix}\n" in html
    assert f"<code>{secret_key.prefix}…</code>" in html
    assert f'data-key="{browser_key.prefix}…"' in html
    assert "allowed from http://localhost:8765" in html
    assert "This assistant has no publishable key yet." not in html
    assert secret not in html
    assert browser not in html


# The host, keys and model of docs/integrations/getting-started.md's copies of the snippets.
DOCS = Path(__file__).resolve().parents[2] / "docs" / "integrations" / "getting-started.md"
DOC_HOST, DOC_KEY, DOC_BROWSER_KEY = "https://acme.tessera.example", "tsk_live_3f9a0c1d2e4b", "tpk_live_7b2e5d8c1a90"
DOC_MODEL = 'model="gpt-4o-mini"'


def _page_snippets(page: str) -> dict[str, list[str]]:
    snippets: dict[str, list[str]] = {}
    for section, body in re.findall(r'<section class="card getting-started" id="(\w+)">(.*?)</section>', page, re.S):
        blocks = [html_lib.unescape(code) for code in re.findall(r"<pre><code>(.*?)</code></pre>", body, re.S)]
        if blocks:
            snippets[section] = blocks
    return snippets


def _doc_snippets(text: str) -> dict[str, list[str]]:
    snippets: dict[str, list[str]] = {}
    for section, block in re.findall(r"<!-- page: (\w+) -->\n```\w*\n(.*?)\n```", text, re.S):
        snippets.setdefault(section, []).append(block)
    return snippets


def test_the_docs_show_exactly_the_snippets_the_page_prints(login, world: World) -> None:  # noqa: F811
    secret = ApiKey.objects.get(prefix=issue_key(world.hr_bot)[:21])
    browser = ApiKey.objects.get(prefix=issue_publishable_key(world.hr_bot, origins=["http://localhost:8765"])[:21])
    page = _page_snippets(login("owner").get(_page(world.hr_bot.pk)).content.decode())
    base = "http://alpha.localhost:8000"
    documented = DOCS.read_text(encoding="utf-8")
    for doc, real in ((DOC_HOST, base), (DOC_KEY, secret.prefix), (DOC_BROWSER_KEY, browser.prefix)):
        documented = documented.replace(doc, real)
    documented = documented.replace(DOC_MODEL, f'model="{world.hr_bot.model or "gpt-4o-mini"}"')
    assert set(page) == {"key", "curl", "python", "otel", "langfuse", "browser"}
    assert _doc_snippets(documented) == page
