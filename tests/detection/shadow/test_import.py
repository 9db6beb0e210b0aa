"""Egress log formats, malformed lines, identity map, pseudonyms, re-import, isolation."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django_tenants.utils import schema_context

from apps.core import crypto
from apps.core.exceptions import ConflictError
from apps.detection.models import AIUsageDaily, EgressImport, ShadowAIFinding
from apps.detection.shadow.parsers import FORMATS, MalformedLineError, parse_squid_combined
from apps.detection.shadow.services import (
    egress_import_create,
    egress_import_run,
    identity_map_replace,
    shadow_policy_get,
)
from tests.factories import DepartmentFactory

# 2024-03-04 00:00:00 UTC = 1709510400
SQUID = """\
1709510400.123    120 10.1.2.3 TCP_TUNNEL/200 5120 CONNECT chatgpt.com:443 alice HIER_DIRECT/104.18.32.47 -
1709513000.001     88 10.1.2.3 TCP_MISS/200 880 GET https://api.openai.com/v1/models alice HIER_DIRECT/1.2.3.4 application/json
1709513001.500     12 10.9.9.9 TCP_MISS/200 100 GET http://notopenai.com.evil.example/ - HIER_DIRECT/1.2.3.4 text/html
this line is broken
1709596800.000     50 10.9.9.9 TCP_TUNNEL/200 300 CONNECT claude.ai:443 - HIER_DIRECT/1.2.3.4 -
1709596801.000     50 10.1.2.3 TCP_TUNNEL/200 oops CONNECT claude.ai:443 bob HIER_DIRECT/1.2.3.4 -
"""


def _write(tmp_path: Path, text: str, name: str = "access.log") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _import(tmp_path: Path, text: str, fmt: str, mapping: dict[str, str] | None = None) -> EgressImport:
    path = _write(tmp_path, text)
    record = egress_import_create(actor=None, path=path, filename=path.name, fmt=fmt, mapping=mapping)
    return egress_import_run(import_id=record.pk, path=path)


def _pseudonym(name: str) -> str:
    key = crypto.decrypt(shadow_policy_get().user_key)
    return "u_" + hmac.new(key, name.encode(), hashlib.sha256).hexdigest()[:16]


def test_squid_import_counts_maps_departments_and_pseudonymizes(alpha, tmp_path) -> None:
    sales = DepartmentFactory(name="Sales")
    identity_map_replace(actor=None, text="identity,department\nalice,Sales\n")
    record = _import(tmp_path, SQUID, "squid")
    assert (record.lines, record.parsed, record.malformed, record.ai_requests) == (6, 4, 2, 3)
    assert record.unattributed_requests == 1  # the claude.ai line of 10.9.9.9 with no user
    assert [s["line"] for s in record.malformed_samples] == [4, 6]
    assert record.malformed_samples[1]["reason"] == "not a number: 'oops'"
    assert record.services == [
        {"key": "anthropic-claude", "requests": 1},
        {"key": "openai-api", "requests": 1},
        {"key": "openai-chatgpt", "requests": 1},
    ]
    rows = set(
        AIUsageDaily.objects.values_list("date", "service_key", "department_id", "user_ref", "requests", "bytes")
    )
    assert rows == {
        (date(2024, 3, 4), "openai-chatgpt", sales.id, _pseudonym("alice"), 1, 5120),
        (date(2024, 3, 4), "openai-api", sales.id, _pseudonym("alice"), 1, 880),
        (date(2024, 3, 5), "anthropic-claude", None, _pseudonym("10.9.9.9"), 1, 300),
    }
    assert not AIUsageDaily.objects.filter(user_ref__in=["alice", "10.9.9.9"]).exists()
    unattributed = ShadowAIFinding.objects.get(service_key="anthropic-claude")
    assert unattributed.department_id is None
    assert (unattributed.first_seen, unattributed.requests, unattributed.distinct_users) == (date(2024, 3, 5), 1, 1)


def test_policy_can_keep_user_names_in_clear(alpha, tmp_path) -> None:
    policy = shadow_policy_get()
    policy.pseudonymize_users = False
    policy.save()
    _import(tmp_path, SQUID, "squid")
    assert set(AIUsageDaily.objects.values_list("user_ref", flat=True)) == {"alice", "10.9.9.9"}


def test_cidr_identity_map_longest_prefix_wins(alpha, tmp_path) -> None:
    DepartmentFactory(name="IT")
    eng = DepartmentFactory(name="Engineering")
    report = identity_map_replace(
        actor=None, text="10.0.0.0/8,IT\n10.9.0.0/16,Engineering\n10.0.0.1/99,IT\nbob,Nowhere\n"
    )
    assert report.entries == 2
    assert report.rejected == [
        "line 3: not an IP address or network: '10.0.0.1/99'",
        "line 4: unknown department 'Nowhere'",
    ]
    _import(tmp_path, SQUID.replace(" alice ", " - "), "squid")
    claude = AIUsageDaily.objects.get(service_key="anthropic-claude")
    assert claude.department_id == eng.id


def test_reimport_of_the_same_file_is_refused_and_counts_nothing_twice(alpha, tmp_path) -> None:
    _import(tmp_path, SQUID, "squid")
    before = list(AIUsageDaily.objects.order_by("id").values_list("requests", flat=True))
    path = _write(tmp_path, SQUID, "renamed.log")
    with pytest.raises(ConflictError, match="already imported"):
        egress_import_create(actor=None, path=path, filename="renamed.log", fmt="squid")
    assert EgressImport.objects.count() == 1
    assert list(AIUsageDaily.objects.order_by("id").values_list("requests", flat=True)) == before


def test_running_a_finished_import_again_changes_nothing(alpha, tmp_path) -> None:
    record = _import(tmp_path, SQUID, "squid")
    again = egress_import_run(import_id=record.pk, path=tmp_path / "access.log")
    assert again.finished_at == record.finished_at
    assert AIUsageDaily.objects.get(service_key="openai-api").requests == 1


def test_two_files_of_one_day_add_up(alpha, tmp_path) -> None:
    line = "1709510400.123 1 10.1.2.3 TCP_TUNNEL/200 10 CONNECT chatgpt.com:443 carol HIER_DIRECT/1.1.1.1 -\n"
    _import(tmp_path, line, "squid")
    (tmp_path / "access.log").unlink()
    _import(tmp_path, line + line, "squid")
    row = AIUsageDaily.objects.get()
    assert (row.requests, row.bytes) == (3, 30)
    assert ShadowAIFinding.objects.get().requests == 3


def test_squid_combined() -> None:
    hit = parse_squid_combined(
        '10.0.0.5 - jdoe [04/Mar/2024:23:30:00 -0200] "CONNECT gemini.google.com:443 HTTP/1.1" 200 4096 "-" "UA" TCP_TUNNEL:HIER_DIRECT'
    )
    # 23:30 at -02:00 is 01:30 UTC the next day.
    assert (hit.day, hit.host, hit.user, hit.client_ip, hit.bytes) == (
        19787,
        "gemini.google.com",
        "jdoe",
        "10.0.0.5",
        4096,
    )
    for bad in ("garbage", '10.0.0.5 - - [99/Foo/2024:00:00:00 +0000] "GET http://x.com/ HTTP/1.1" 200 1 "-" "-"'):
        with pytest.raises(MalformedLineError):
            parse_squid_combined(bad)


def test_zscaler_nss_json_both_shapes() -> None:
    parse = FORMATS["zscaler-nss"]({})
    wrapped = json.dumps(
        {
            "sourcetype": "zscalernss-web",
            "event": {
                "datetime": "Mon Mar 04 10:00:00 2024",
                "login": "alice@corp.example",
                "cip": "10.1.1.1",
                "hostname": "claude.ai",
                "totalsize": "2048",
            },
        }
    )
    flat = json.dumps(
        {"epochtime": 1709510400, "user": "bob", "url": "https://chat.deepseek.com/a/b", "transactionsize": 7}
    )
    a, b = parse(wrapped), parse(flat)
    assert (a.day, a.host, a.user, a.bytes) == (19786, "claude.ai", "alice@corp.example", 2048)
    assert (b.day, b.host, b.user, b.bytes) == (19786, "chat.deepseek.com", "bob", 7)
    for bad in ("{not json", "[1]", json.dumps({"event": {"hostname": "x.com"}}), json.dumps({"datetime": "now"})):
        with pytest.raises(MalformedLineError):
            parse(bad)


def test_umbrella_proxy_and_dns() -> None:
    proxy = FORMATS["umbrella-proxy"]({})
    line = (
        '"2024-03-04 12:00:00","jdoe@corp.example,Site A","10.2.3.4","203.0.113.9","104.18.1.1","text/html","ALLOWED",'
        '"https://www.perplexity.ai/search?q=x","","UA","200","300","700","650","","AI","","","","","","AD Users",""'
    )
    hit = proxy(line)
    assert (hit.day, hit.host, hit.user, hit.client_ip, hit.bytes) == (
        19786,
        "www.perplexity.ai",
        "jdoe@corp.example",
        "10.2.3.4",
        1000,
    )
    with pytest.raises(MalformedLineError, match="at least 14 fields"):
        proxy('"2024-03-04 12:00:00","x"')
    dns = FORMATS["umbrella-dns"]({})
    hit = dns(
        '"2024-03-04 23:59:59","LAPTOP-1","LAPTOP-1,Site A","10.2.3.5","203.0.113.9","Allowed","1 (A)","NOERROR","chatgpt.com.","AI"'
    )
    assert (hit.day, hit.host, hit.user, hit.client_ip, hit.bytes) == (19786, "chatgpt.com", "LAPTOP-1", "10.2.3.5", 0)
    with pytest.raises(MalformedLineError, match="not a timestamp"):
        dns('"yesterday","a","b","c","d","e","f","g","chatgpt.com."')


def test_generic_csv_and_jsonl_with_mapping(alpha, tmp_path) -> None:
    mapping = {"timestamp": "when", "host": "dest", "user": "who", "bytes": "size"}
    csv_text = "when,who,dest,size\n2024-03-04T10:00:00Z,ann,api.mistral.ai,10\n2024-03-04T11:00:00Z,ann\nnot-a-time,ann,x.com,1\n"
    record = _import(tmp_path, csv_text, "csv", mapping)
    assert (record.lines, record.parsed, record.malformed, record.ai_requests) == (4, 1, 2, 1)
    assert [s["line"] for s in record.malformed_samples] == [3, 4]
    parse = FORMATS["jsonl"]({"timestamp": "ts", "url": "u", "client_ip": "ip"})
    hit = parse('{"ts": 1709510400, "u": "https://grok.com/chat", "ip": "10.0.0.1"}')
    assert (hit.day, hit.host, hit.client_ip, hit.user, hit.bytes) == (19786, "grok.com", "10.0.0.1", "", 0)


def test_bad_format_or_mapping_is_refused(alpha, tmp_path) -> None:
    path = _write(tmp_path, SQUID)
    with pytest.raises(Exception, match="unknown format 'bluecoat'"):
        egress_import_create(actor=None, path=path, filename="a", fmt="bluecoat")
    with pytest.raises(Exception, match="the mapping needs 'timestamp'"):
        egress_import_create(actor=None, path=path, filename="a", fmt="csv", mapping={"host": "h"})
    assert EgressImport.objects.count() == 0


def test_command_prints_a_json_summary_last(alpha, beta, tmp_path) -> None:
    path = _write(tmp_path, SQUID)
    out = io.StringIO()
    call_command("egress_import", "--org", alpha.schema_name, "--format", "squid", str(path), stdout=out)
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert summary == {
        "lines": 6,
        "parsed": 4,
        "malformed": 2,
        "ai_requests": 3,
        "services": ["anthropic-claude", "openai-api", "openai-chatgpt"],
    }
    # Tenant isolation: Beta has neither the import nor the usage nor the findings.
    with schema_context(beta.schema_name):
        assert EgressImport.objects.count() == 0
        assert AIUsageDaily.objects.count() == 0
        assert ShadowAIFinding.objects.count() == 0
    # And the same file is a new file for Beta (the re-import check is per organization).
    out = io.StringIO()
    call_command("egress_import", "--org", beta.schema_name, "--format", "squid", str(path), stdout=out)
    assert json.loads(out.getvalue().strip().splitlines()[-1])["ai_requests"] == 3
