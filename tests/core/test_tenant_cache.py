from django.core.cache import cache
from django_tenants.utils import schema_context


def test_cache_keys_carry_the_schema(alpha, beta) -> None:
    cache.set("dashboard:summary", "alpha's numbers", 30)
    with schema_context(beta.schema_name):
        assert cache.get("dashboard:summary") is None
        cache.set("dashboard:summary", "beta's numbers", 30)
    assert cache.get("dashboard:summary") == "alpha's numbers"
    with schema_context(beta.schema_name):
        assert cache.get("dashboard:summary") == "beta's numbers"
