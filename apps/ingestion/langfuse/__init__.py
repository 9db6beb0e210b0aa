"""Langfuse-compatible ingestion (docs/integrations/langfuse.md).

- ``attributes``: Langfuse span attributes → the GenAI attributes ``apps.ingestion.otlp`` maps;
- ``legacy``: the legacy batch's items, checked one by one, as Langfuse-shaped spans;
- ``scores``: scores → feedback events;
- ``services``: the write paths, and where each trace landed (``LangfuseTrace``).
"""
