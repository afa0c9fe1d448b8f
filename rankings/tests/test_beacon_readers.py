"""Who sent a beacon, computed cheaply: the fast paths give exactly the answers of the slow ones."""

import ipaddress
from datetime import UTC, datetime, timedelta

import pytest
from crawlerdetect import CrawlerDetect
from django.conf import settings
from django.test import override_settings
from hypothesis import assume, given
from hypothesis import strategies as st

from rankings import readers
from rankings.readers import user_agent_is_bot
from rankings.tests.beacon_support import GOOGLEBOT_UA, READER_UA


def _slow_normalise(value: str) -> str | None:
    """What ``_normalise_ip`` answered before its fast path: ``ipaddress`` for everything."""
    value = value.strip()
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


@pytest.mark.parametrize(
    "value",
    [
        "203.0.113.7",
        "192.0.2.0",
        "255.255.255.255",
        "203.0.113.7:51234",
        "010.0.0.1",  # leading zeros: not an address for ipaddress
        "1.2.3",
        "256.1.1.1",
        "2001:db8::1",
        "2001:DB8::1",  # upper case: normalised
        "2001:0db8:0000::1",  # leading zeros: normalised
        "2001:db8:0:1:1:1:1:1",  # a single zero group is not "::"
        "2001:db8::1:0:0:1",  # the first of two equally long zero runs is "::"
        "1:0:0:2:0:0:0:3",
        "::",
        "::1",
        "1::",
        "::ffff:192.0.2.1",  # IPv4-mapped: ipaddress writes it in hex
        "::192.0.2.1",
        "fe80::1%eth0",  # a scope id: only ipaddress knows it
        "[2001:db8::1]:443",
        "not-an-ip",
        "",
        " 203.0.113.7 ",
    ],
)
def test_normalised_addresses_are_what_ipaddress_writes(value):
    assert readers._normalise_ip(value) == _slow_normalise(value)


@given(st.ip_addresses(), st.sampled_from(["str", "exploded", "upper", "bracketed"]))
def test_any_address_in_any_spelling_normalises_as_ipaddress_does(address, spelling):
    text = {
        "str": str(address),
        "exploded": address.exploded,
        "upper": str(address).upper(),
        "bracketed": f"[{address}]:8080" if address.version == 6 else f"{address}:8080",
    }[spelling]
    assert readers._normalise_ip(text) == _slow_normalise(text) == str(address)


def test_bot_detection_is_remembered_per_user_agent_and_answers_as_crawlerdetect():
    detect = CrawlerDetect()
    readers._is_crawler.cache_clear()
    for _ in range(3):
        assert user_agent_is_bot(GOOGLEBOT_UA) is detect.is_crawler(GOOGLEBOT_UA) is True
        assert user_agent_is_bot(READER_UA) is detect.is_crawler(READER_UA) is False
    info = readers._is_crawler.cache_info()
    assert (info.misses, info.hits) == (2, 4)  # the big regex ran once per user agent


def test_a_huge_user_agent_is_cut_before_matching_and_remembering():
    readers._is_crawler.cache_clear()
    huge = READER_UA + " x" * 50_000
    assert user_agent_is_bot(huge) is False
    assert user_agent_is_bot(GOOGLEBOT_UA + " " * 10 + "y" * 50_000) is True
    assert user_agent_is_bot("   ") is True  # no user agent at all
    # The cache holds only the cut agents: a flood of long agents cannot fill memory with them.
    assert readers._is_crawler.cache_info().currsize == 2


# --- The network a reader belongs to ------------------------------------------------------------


@pytest.fixture
def prefixes(settings):
    settings.RANKINGS = {**settings.RANKINGS, "NETWORK_PREFIX_IPV4": 32, "NETWORK_PREFIX_IPV6": 64}
    return settings


DAY = datetime(2026, 3, 10, 12, tzinfo=UTC)


def test_an_ipv6_subnet_is_one_network_and_the_next_is_another(prefixes):
    one = readers.network_hash(ip="2001:db8:1:2::1", now=DAY)
    assert readers.network_hash(ip="2001:db8:1:2:ffff:ffff:ffff:ffff", now=DAY) == one
    assert readers.network_hash(ip="2001:db8:1:3::1", now=DAY) != one
    assert len(one) == 32


def test_ipv4_networks_follow_the_configured_prefix(prefixes):
    assert readers.network_hash(ip="198.51.100.1", now=DAY) != readers.network_hash(ip="198.51.100.2", now=DAY)
    prefixes.RANKINGS = {**prefixes.RANKINGS, "NETWORK_PREFIX_IPV4": 24}
    assert readers.network_hash(ip="198.51.100.1", now=DAY) == readers.network_hash(ip="198.51.100.254", now=DAY)
    assert readers.network_hash(ip="198.51.101.1", now=DAY) != readers.network_hash(ip="198.51.100.1", now=DAY)


def test_an_ipv4_mapped_address_is_its_ipv4_network(prefixes):
    assert readers.network_hash(ip="::ffff:198.51.100.7", now=DAY) == readers.network_hash(ip="198.51.100.7", now=DAY)


def test_network_ids_change_every_day_and_survive_a_broken_address(prefixes):
    assert readers.network_hash(ip="198.51.100.1", now=DAY) != readers.network_hash(
        ip="198.51.100.1", now=DAY + timedelta(days=1)
    )
    assert readers.network_hash(ip="not-an-ip", now=DAY) != readers.network_hash(ip="other", now=DAY)


@given(
    address=st.ip_addresses(),
    low_bits=st.integers(0, 2**128 - 1),
    kept=st.integers(0, 128),
    prefix=st.integers(1, 128),
)
def test_two_addresses_share_a_network_exactly_when_ipaddress_says_so(address, low_bits, kept, prefix):
    width = address.max_prefixlen
    kept, prefix = min(kept, width), min(prefix, width)
    changed = width - kept  # the other address differs from this one in at most its last bits
    other = type(address)((int(address) >> changed << changed) | (low_bits & ((1 << changed) - 1)))
    # An IPv4-mapped address is its IPv4 reader's network on purpose (the test above).
    assume(not any(getattr(ip, "ipv4_mapped", None) for ip in (address, other)))
    same = ipaddress.ip_network(f"{address}/{prefix}", strict=False) == ipaddress.ip_network(
        f"{other}/{prefix}", strict=False
    )
    with override_settings(
        RANKINGS={**settings.RANKINGS, "NETWORK_PREFIX_IPV4": prefix, "NETWORK_PREFIX_IPV6": prefix}
    ):
        hashes = {readers.network_hash(ip=str(ip), now=DAY) for ip in (address, other)}
    assert (len(hashes) == 1) == same
