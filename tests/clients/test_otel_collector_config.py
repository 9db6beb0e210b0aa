"""docs/integrations/otel-collector.yaml: consistent, and pointed at Tessera's OTLP routes."""

from __future__ import annotations

from pathlib import Path

import yaml
from django.urls import resolve

from apps.ingestion.api.otlp_views import OtlpLogsView, OtlpTracesView

CONFIG = Path(__file__).resolve().parents[2] / "docs" / "integrations" / "otel-collector.yaml"


def test_every_pipeline_uses_defined_components() -> None:
    config = yaml.safe_load(CONFIG.read_text())
    for name, pipeline in config["service"]["pipelines"].items():
        for kind in ("receivers", "processors", "exporters"):
            missing = set(pipeline.get(kind, [])) - set(config.get(kind) or {})
            assert not missing, f"pipeline {name} names undefined {kind}: {missing}"
    tessera = [name for name, p in config["service"]["pipelines"].items() if "otlphttp/tessera" in p["exporters"]]
    assert sorted(tessera) == ["logs", "traces"]  # metrics are not Tessera's


def test_tessera_exporter_targets_the_otlp_routes_with_the_key(settings) -> None:
    settings.ROOT_URLCONF = "config.urls_tenants"
    exporter = yaml.safe_load(CONFIG.read_text())["exporters"]["otlphttp/tessera"]
    assert exporter["endpoint"] == "${env:TESSERA_OTLP_ENDPOINT}"
    assert exporter["headers"] == {"Authorization": "Bearer ${env:TESSERA_API_KEY}"}
    documented = "https://acme.tessera.example/api/v1/otlp"  # the value the file's header documents
    assert documented in CONFIG.read_text()
    path = documented.removeprefix("https://acme.tessera.example")
    assert resolve(f"{path}/v1/traces").func.view_class is OtlpTracesView
    assert resolve(f"{path}/v1/logs").func.view_class is OtlpLogsView
