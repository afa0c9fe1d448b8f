"""Who sent a beacon: client IP behind our proxies, a privacy-safe reader id, bots, staff.

The reader id is an HMAC of client IP and user agent keyed with SECRET_KEY
and the UTC date: stable for a day (enough to de-duplicate refreshes and to
rate-limit), useless for tracking someone across days, and the raw IP is
never stored anywhere. Since a client can send any user agent, the network
id (the same HMAC of the IP's network prefix alone) bounds what one address
or IPv6 subnet can count, however many user agents it makes up.
"""

import hashlib
import hmac
import ipaddress
import socket
from datetime import datetime
from functools import lru_cache

from crawlerdetect import CrawlerDetect
from django.conf import settings
from django.http import HttpRequest

# Real user agents are a few hundred characters; longer ones are cut before
# matching and hashing so a huge header cannot cost more CPU.
USER_AGENT_MAX_LENGTH = 512

_crawler_detect = CrawlerDetect()
# Compile crawlerdetect's big regex now (~0.2 s), at import: with gunicorn's
# preload_app every worker inherits it instead of paying on its first beacon.
_crawler_detect.is_crawler("Mozilla/5.0")


@lru_cache(maxsize=8192)
def _is_crawler(user_agent: str) -> bool:
    # crawlerdetect's single big regex costs ~0.3 ms on a miss; user agents repeat
    # a lot, so a process-wide cache makes the common case ~free.
    return _crawler_detect.is_crawler(user_agent)


def user_agent_is_bot(user_agent: str) -> bool:
    """True for crawlers, bots, headless browsers and HTTP libraries (crawlerdetect), and for no user agent."""
    user_agent = (user_agent or "").strip()[:USER_AGENT_MAX_LENGTH]
    if not user_agent:
        return True
    return _is_crawler(user_agent)


def _canonical_ip(value: str) -> bool:
    """True when ``value`` is an address already written exactly as ``str(ipaddress.ip_address(value))`` would.

    C's inet_pton/inet_ntop take a microsecond where ``ipaddress`` takes several,
    and proxies write addresses in canonical form, so most beacons stop here.
    glibc writes IPv4 and IPv6 as ``ipaddress`` does (RFC 5952: lower case, the
    first longest run of two or more zero groups as "::"), except IPv6 with an
    embedded IPv4 part, hence no dots in IPv6. Anything else takes the slow path.
    """
    family = socket.AF_INET6 if ":" in value else socket.AF_INET
    if family == socket.AF_INET6 and "." in value:
        return False
    try:
        return socket.inet_ntop(family, socket.inet_pton(family, value)) == value
    except (OSError, ValueError):
        return False


def _normalise_ip(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:51234"
        value = value.split(":", 1)[0]
    if _canonical_ip(value):
        return value
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request: HttpRequest, *, trusted_proxy_count: int | None = None) -> str:
    """The reader's IP address, trusting ``X-Forwarded-For`` only through our own proxies.

    Each proxy we run appends the address it received the request from, so
    with N trusted proxies the client is the N-th entry from the right;
    anything further left was written by the client and could be forged.
    With 0 proxies the header is ignored and REMOTE_ADDR is the client.
    """
    if trusted_proxy_count is None:
        trusted_proxy_count = settings.RANKINGS["TRUSTED_PROXY_COUNT"]
    remote = request.META.get("REMOTE_ADDR", "") or ""
    if trusted_proxy_count > 0:
        hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if hops:
            # Fewer hops than proxies: every entry was still written by one of
            # our proxies, and the leftmost is the farthest address they saw.
            candidate = hops[-trusted_proxy_count] if len(hops) >= trusted_proxy_count else hops[0]
            normalised = _normalise_ip(candidate)
            if normalised:
                return normalised
    return _normalise_ip(remote) or remote[:64]


@lru_cache(maxsize=4)
def _daily_key(day: str, secret: str) -> bytes:
    return hashlib.sha256(f"newsroom.rankings.reader:{day}:{secret}".encode()).digest()


def reader_hash(*, ip: str, user_agent: str, now: datetime) -> str:
    """A daily-salted, keyed hash of IP and user agent (32 hex characters).

    The key changes at 00:00 UTC, so the same reader gets a new id every day
    and ids of different days cannot be linked.
    """
    key = _daily_key(now.strftime("%Y-%m-%d"), settings.SECRET_KEY)
    message = f"{ip}\n{(user_agent or '').strip()[:USER_AGENT_MAX_LENGTH]}".encode("utf-8", "replace")
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


# The first 12 bytes of an IPv4-mapped IPv6 address ("::ffff:203.0.113.7").
_V4_MAPPED = bytes(10) + b"\xff\xff"


def _network_of(ip: str, *, ipv4_prefix: int, ipv6_prefix: int) -> bytes:
    """The address's first ``prefix`` bits, as bytes that name the network (family and prefix included).

    On packed bytes from inet_pton (a microsecond) rather than ``ipaddress``
    networks (tens of them): this runs on every beacon. ``client_ip`` has
    already normalised the address.
    """
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    try:
        packed = socket.inet_pton(family, ip)
    except (OSError, ValueError):
        return b"raw:" + ip.encode("utf-8", "replace")  # not an address (a broken REMOTE_ADDR): itself
    if family == socket.AF_INET6 and packed[:12] == _V4_MAPPED:
        packed = packed[12:]  # the IPv4 reader it names
    prefix = min(ipv4_prefix if len(packed) == 4 else ipv6_prefix, 8 * len(packed))
    whole, bits = divmod(prefix, 8)
    network = packed[:whole]
    if bits:
        network += bytes([packed[whole] & (0xFF << (8 - bits)) & 0xFF])
    return bytes([len(packed), prefix]) + network


def network_hash(*, ip: str, now: datetime) -> str:
    """A daily-salted, keyed hash of the reader's network (32 hex characters), whatever the user agent.

    The network is the address cut to ``RANKINGS["NETWORK_PREFIX_IPV4"]`` bits
    (default 32: one address) or ``RANKINGS["NETWORK_PREFIX_IPV6"]`` (default
    64: one customer's subnet, which a single IPv6 client can fill with
    addresses at will). Like ``reader_hash`` it changes every UTC day.
    """
    conf = settings.RANKINGS
    network = _network_of(ip, ipv4_prefix=conf["NETWORK_PREFIX_IPV4"], ipv6_prefix=conf["NETWORK_PREFIX_IPV6"])
    key = _daily_key(now.strftime("%Y-%m-%d"), settings.SECRET_KEY)
    return hmac.new(key, b"network\n" + network, hashlib.sha256).hexdigest()[:32]


def request_is_uncounted_staff(request: HttpRequest) -> bool:
    """True when a logged-in staff member sent the beacon and staff views are not counted.

    Anonymous readers carry no session cookie, so for them this costs nothing:
    the session and user are only loaded when the cookie is there.
    """
    if settings.RANKINGS["COUNT_STAFF"]:
        return False
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff)
