"""Whose address an event takes: the connection's, through X-Forwarded-For only from
trusted proxies."""

import pytest
from django.core.checks import run_checks

from delivery.collect.client_ip import client_ip, connection_ip, networks
from delivery.collect.store import SourceKey, WriteKeyCache, source_for, sources
from integrations.models import Source

PROXIES = networks(["10.0.0.0/8", "2001:db8::/32"])


def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says():
    assert client_ip("198.51.100.7", ["1.2.3.4"], ()) == "198.51.100.7"


def test_a_header_from_an_untrusted_peer_is_ignored():
    assert client_ip("198.51.100.7", ["1.2.3.4"], PROXIES) == "198.51.100.7"


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client():
    assert client_ip("10.0.0.2", ["203.0.113.9"], PROXIES) == "203.0.113.9"


def test_the_right_most_untrusted_address_wins_over_what_the_client_wrote():
    # given a client that wrote its own X-Forwarded-For, then two of our proxies
    chain = ["6.6.6.6, 203.0.113.9, 10.1.1.1"]

    assert client_ip("10.0.0.2", chain, PROXIES) == "203.0.113.9"


def test_several_headers_are_one_chain_in_order():
    assert client_ip("10.0.0.2", ["6.6.6.6", "203.0.113.9"], PROXIES) == "203.0.113.9"


def test_a_chain_of_only_proxies_gives_the_first_of_them():
    assert client_ip("10.0.0.2", ["10.0.0.3, 10.0.0.4"], PROXIES) == "10.0.0.3"


def test_garbage_in_the_chain_stops_at_the_last_proxy():
    assert client_ip("10.0.0.2", ["203.0.113.9, unknown"], PROXIES) == "10.0.0.2"


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("[2001:db8:ffff::1]:443", "10.0.0.2"),  # a trusted v6 proxy: the chain goes on
        ("203.0.113.9:5555", "203.0.113.9"),
        ("2a00:1450::1", "2a00:1450::1"),
        ('"203.0.113.9"', "203.0.113.9"),
    ],
)
def test_addresses_are_read_as_proxies_write_them(entry, expected):
    assert client_ip("10.0.0.2", [f"10.0.0.2, {entry}"], PROXIES) == expected


def test_an_ipv4_mapped_peer_is_its_ipv4_address():
    assert client_ip("::ffff:10.0.0.2", ["203.0.113.9"], PROXIES) == "203.0.113.9"


def test_a_connection_without_a_peer_has_no_address():
    assert client_ip(None, ["203.0.113.9"], PROXIES) is None


def test_the_asgi_scope_gives_peer_and_headers(settings):
    settings.SIGNAL_TRUSTED_PROXIES = ["127.0.0.1/32"]
    scope = {"client": ("127.0.0.1", 5000), "headers": [(b"x-forwarded-for", b"203.0.113.9")]}

    assert connection_ip(scope) == "203.0.113.9"
    settings.SIGNAL_TRUSTED_PROXIES = []
    assert connection_ip(scope) == "127.0.0.1"


def test_a_bad_cidr_in_the_setting_fails_the_checks(settings):
    settings.SIGNAL_TRUSTED_PROXIES = ["10.0.0.0/8", "not-a-network"]

    assert "signal.E006" in {e.id for e in run_checks()}


# The write-key cache


def test_the_write_key_cache_yields_the_source_kind_with_one_query(db, django_assert_num_queries):
    # given
    source = Source.objects.create(name="Backend", kind=Source.SERVER)
    sources.entries.clear()

    # when looked up twice, then one query serves both
    with django_assert_num_queries(1):
        first = source_for(source.write_key)
        second = source_for(source.write_key)
    assert first == second == SourceKey(source.id, Source.SERVER)


def test_an_unknown_write_key_is_cached_as_none(db, django_assert_num_queries):
    sources.entries.clear()
    with django_assert_num_queries(1):
        assert source_for("nope") is None
        assert source_for("nope") is None


def test_cached_entries_expire():
    cache = WriteKeyCache(ttl=0)
    cache.put("k", SourceKey(1, "browser"))

    assert cache.get("k") == (False, None)
