# Newsroom: Varnish, the production HTTP cache, in front of several gunicorn app servers.
#
# A template: `manage.py edge_vcl HOST:PORT...` (newsroom.edge.edge_vcl_render) fills in its six
# placeholders, each the name between two @ signs; scripts/serve-edge.sh and the tests use it:
#   BACKENDS      one `backend appN { .host = ...; .port = ...; .probe = healthz; }` per app server
#   DIRECTOR_ADD  one `app.add_backend(appN);` per app server (in vcl_init)
#   QUERY_PARAMS  the query parameters reader views read, as a regex alternation (p|page|q|window):
#                 the union of the app's PAGE_CACHE_QUERY_PARAMS, so both caches key pages alike
#   EDGE_TTL      seconds a purgeable reader page is kept (NEWSROOM_EDGE_TTL)
#   PAGE_CACHE_SECONDS  the app's page lifetime (s-maxage): a shorter one is a cut not to extend
#   RAIL_GRACE    half a rail's lifetime (newsroom.rails.rail_seconds()), served stale while refreshed
# Run: varnishd -a :6081 -f <this file, filled in> -s malloc,256m -n <work dir> -p backend_idle_timeout=4
# (idle connections to the app closed before gunicorn's 5 s keep-alive does: a beacon POST sent on
# a connection gunicorn is closing cannot be retried, and readers got 503s)
#
# What is cached: anonymous GET/HEAD (no session, CSRF or messages cookie, no Authorization),
# for the app's Cache-Control s-maxage. Every response names what it shows in its `xkey` header
# (a<id> articles, s<id> sections, t<id> tags, au<id> authors, home, feed, sitemap, search,
# rank-<window> lists, site); the app purges exactly those keys when an article changes
# (newsroom.invalidation -> newsroom.edge.VarnishXkeyPurger): PURGE / with `xkey-purge: a12 s3`.
# Ranking rails are edge-side includes (<esi:include src="/rails/...">) with their own short
# TTL, so ranking updates never purge pages.
vcl 4.1;

import directors;
import std;
import xkey;

probe healthz {
    .url = "/healthz";
    .interval = 2s;
    # A busy app server answers slowly rather than not at all: out after 3 of 5 probes (10 s) fail.
    .timeout = 2s;
    .window = 5;
    .threshold = 3;
    .initial = 3;
}

@BACKENDS@

# Who may purge: the app servers (on this machine here; add their addresses in production).
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_init {
    new app = directors.round_robin();
@DIRECTOR_ADD@
}

sub vcl_recv {
    set req.backend_hint = app.backend();
    unset req.http.X-Edge-Encoding;  # set below, never by a client

    if (req.method == "PURGE") {
        # Relayed by a proxy in front (nginx sent X-Forwarded-For, to which Varnish appended the
        # proxy's address) it is a reader's request: refused.
        if (client.ip !~ purgers || req.http.X-Forwarded-For ~ ",") {
            return (synth(403, "Forbidden"));
        }
        if (req.http.xkey-purge) {
            set req.http.x-purged = xkey.purge(req.http.xkey-purge);
        } elsif (req.http.xkey) {
            set req.http.x-purged = xkey.purge(req.http.xkey);
        } else {
            return (synth(400, "PURGE needs an xkey-purge header"));
        }
        return (synth(200, "Purged " + req.http.x-purged));
    }

    # Tells the app that this cache processes edge-side includes (the ranking rails).
    set req.http.Surrogate-Capability = "varnish=ESI/1.0";

    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.url ~ "^/(admin|rankings)/" || req.http.Authorization) {
        return (pass);
    }
    # Editors (session), forms (CSRF) and pending flash messages: personal, never shared.
    if (req.http.Cookie ~ "(^|;\s*)(sessionid|csrftoken|messages)=") {
        return (pass);
    }
    # Any other cookie (analytics) changes nothing the app renders for anonymous readers.
    unset req.http.Cookie;

    # One copy per encoding: brotli, which the app compresses (Varnish has none), or gzip, which
    # Varnish undoes for the rare client that takes neither. Varnish rewrites Accept-Encoding to
    # "gzip" after vcl_recv (and asks the app for gzip), so the choice travels in a header of its
    # own, which copies vary on (vcl_backend_response) and vcl_backend_fetch turns back into
    # Accept-Encoding. Edge-side includes are spliced into a gzip page: never brotli (the rails).
    if (req.esi_level == 0 && req.url !~ "^/rails/"
        && req.http.Accept-Encoding ~ "(?i)(^|,)\s*br\s*(;\s*q\s*=\s*(1(\.0*)?|0?\.0*[1-9][0-9]*)\s*)?(,|$)") {
        set req.http.X-Edge-Encoding = "br";
    } else {
        set req.http.X-Edge-Encoding = "gzip";
    }

    # Only the query parameters some reader view reads stay (as in the app's page cache key);
    # utm_*, fbclid, ?cb= and the like would each store one more copy of the same page.
    if (req.url ~ "\?" && req.url !~ "^/rails/") {
        set req.url = regsuball(req.url, "([?&])(?!(?:@QUERY_PARAMS@)=)[^&#]*", "\1");
        set req.url = regsuball(req.url, "&{2,}", "&");
        set req.url = regsub(req.url, "\?&", "?");
        set req.url = regsub(req.url, "[?&]+$", "");
        set req.url = std.querysort(req.url);
    }

    # Grace: when every app server is down, copies up to 6 h old keep the site up. While one is
    # healthy no page is served past its lifetime (a scheduled story is due then; purges are
    # immediate anyway); a rail is served stale within its own grace, inside the rails' bound
    # (vcl_backend_response), while it is fetched again.
    if (std.healthy(req.backend_hint)) {
        if (req.url ~ "^/rails/") {
            set req.grace = @RAIL_GRACE@s;
        } else {
            set req.grace = 0s;
        }
    }
    return (hash);
}

sub vcl_backend_fetch {
    # Asks the app for brotli where the reader takes it (see vcl_recv); otherwise Varnish's gzip.
    if (bereq.http.X-Edge-Encoding == "br" && !bereq.uncacheable) {
        set bereq.http.Accept-Encoding = "br";
    }
}

sub vcl_backend_response {
    # The app marks pages holding <esi:include> (Surrogate-Control: content="ESI/1.0").
    if (beresp.http.Surrogate-Control ~ "ESI/1.0") {
        unset beresp.http.Surrogate-Control;
        set beresp.do_esi = true;
    }
    # A body the app compressed for the encoding asked (brotli, gzip): one copy per encoding.
    # Purges reach every copy: each carries the response's xkey header.
    if (beresp.http.Content-Encoding ~ "^(br|gzip)$" && beresp.http.Vary ~ "(?i)Accept-Encoding") {
        set beresp.http.Vary = regsuball(beresp.http.Vary, "(?i)Accept-Encoding", "X-Edge-Encoding");
    }
    # Gzip at the edge (pages with includes, which the app sends plain): stored compressed and sent
    # as is to clients that accept it. Never a response that may carry a secret (BREACH): one passed
    # (a session, CSRF or messages cookie, /admin/), setting a cookie, or private.
    if (!beresp.http.Content-Encoding && !bereq.uncacheable && !beresp.http.Set-Cookie
        && beresp.http.Cache-Control !~ "(?i)private"
        && beresp.http.Content-Type ~ "^(text/|application/(json|xml|rss\+xml|atom\+xml|javascript)|image/svg)") {
        set beresp.do_gzip = true;
    }
    set beresp.grace = 6h;
    # A rail's s-maxage is its share of NEWSROOM_RAIL_MAX_AGE: half fresh, half (RAIL_GRACE, while
    # an app server is healthy) served stale while Varnish fetches it again in the background, so
    # no reader waits for it and none gets it older.
    if (bereq.url ~ "^/rails/" && beresp.ttl > 0s) {
        set beresp.ttl = beresp.ttl * 0.5;
    }
    # Errors are not kept (a 404 becomes a page when its article is published), nor is what the
    # app gave no lifetime (Varnish's default_ttl would keep it 2 minutes without a purge key).
    if (beresp.status >= 400 || (!beresp.http.Cache-Control && !beresp.http.Expires)) {
        set beresp.ttl = 0s;
        set beresp.uncacheable = true;
        return (deliver);
    }
    # A reader page names what it shows (xkey) and every change to that purges it: kept for
    # EDGE_TTL rather than its s-maxage (the app's page cache and caches further on keep to that).
    # Not the rails (/rails/, ranking lists: their own short lifetime) nor anything else showing
    # a ranking list, which changes without a purge; nor a page whose s-maxage the app cut short
    # of PAGE_CACHE_SECONDS because a scheduled story is due (beyond that, publish_scheduled's
    # purge brings the story within its cron minute).
    if (beresp.http.xkey && beresp.ttl >= @PAGE_CACHE_SECONDS@s && !bereq.uncacheable
        && bereq.url !~ "^/rails/" && beresp.http.xkey !~ "(^| )rank-") {
        set beresp.ttl = @EDGE_TTL@s;
    }
}

sub vcl_deliver {
    # Caches further on and browsers vary on the header the reader sent.
    if (resp.http.Vary) {
        set resp.http.Vary = regsuball(resp.http.Vary, "X-Edge-Encoding", "Accept-Encoding");
    }
    # Surrogate keys are for the cache, not readers (they would list embargo-free ids, but also
    # cost bytes); a purger may ask to see them (X-Edge-Debug, the tests).
    if (!(client.ip ~ purgers && req.http.X-Edge-Debug)) {
        unset resp.http.xkey;
    }
    if (obj.hits > 0) {
        set resp.http.X-Edge-Cache = "hit";
    } else {
        set resp.http.X-Edge-Cache = "miss";
    }
}
