"""civic.ratelimit, the shared limiter the report intake uses: fixed windows per scope and client."""

from django.test import RequestFactory

from civic import ratelimit


def test_counts_per_scope_and_client(settings):
    for count in (1, 2, 3):
        result = ratelimit.hit("test-scope", "192.0.2.1", limit=2, window=60)
        assert result.count == count
        assert result.allowed is (count <= 2)
        assert 1 <= result.retry_after <= 60
    assert ratelimit.hit("test-scope", "192.0.2.2", limit=2, window=60).allowed
    assert ratelimit.hit("other-scope", "192.0.2.1", limit=2, window=60).allowed
    ratelimit.reset("test-scope", "192.0.2.1", window=60)
    assert ratelimit.hit("test-scope", "192.0.2.1", limit=2, window=60).count == 1


def test_client_ip_trusts_forwarded_for_only_behind_configured_proxies(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    settings.CIVIC_TRUSTED_PROXIES = 0
    assert ratelimit.client_ip(request) == "10.0.0.1"
    settings.CIVIC_TRUSTED_PROXIES = 1
    assert ratelimit.client_ip(request) == "203.0.113.9"
