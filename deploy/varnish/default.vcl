vcl 4.1;

# Varnish 7.1 in front of the storefront's gunicorn. What it relies on from the application
# (docs/http-cache.md): a public catalog page answers
#   Cache-Control: public, max-age=0, s-maxage=<ttl>, stale-while-revalidate=<grace>
#   ETag: W/"..."          Surrogate-Key: all product-12 category-3 ...
# and no Set-Cookie; everything else answers `Cache-Control: private, no-store`. Which pages are
# cacheable is the application's decision, not this file's: there is no list of paths here.
#
# Validate: varnishd -C -f deploy/varnish/default.vcl >/dev/null
# Run:      varnishd -F -a :6081 -f /etc/varnish/default.vcl -s malloc,1G

import cookie;
import std;
import xkey;

# The storefront (gunicorn). The tests and bench/edge.py rewrite the next line's host and port.
backend default { .host = "127.0.0.1"; .port = "8000"; }

# Who may send PURGE: the Celery workers (HTTP_CACHE_PURGE_URLS). Add their hosts when they run
# on other machines than Varnish.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        call purge_by_tags;
    }
    # Writes, and anything carrying credentials, are the application's every time.
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.http.Authorization) {
        return (pass);
    }
    cookie.parse(req.http.Cookie);
    # A browser in preview mode sees unpublished products: never look such a page up, never
    # store it (the application answers it `private, no-store` as well).
    if (cookie.isset("shop_preview")) {
        return (pass);
    }
    # Look up even though the request carries cookies (the builtin VCL would pass): a public
    # page's bytes depend only on the URL and the shop_market cookie, which vcl_hash adds to the
    # key. Every other answer is `private`/`no-store`, which the builtin vcl_backend_response
    # turns into hit-for-miss: never served from the cache, each request goes to the backend
    # with its own cookies. The Cookie header itself is left as it is for the backend.
    return (hash);
}

# PURGE / with `Surrogate-Key: product-12 category-3` (space-separated; `all` is every page):
# a soft purge of each object tagged with any of them. Soft: the objects stay in the cache as
# stale, so the next request gets the old page at once while the new one is fetched in the
# background (grace), instead of every shopper waiting for the backend at the same moment.
sub purge_by_tags {
    if (client.ip !~ purgers) {
        return (synth(403, "Forbidden"));
    }
    if (!req.http.Surrogate-Key) {
        return (synth(400, "PURGE needs a Surrogate-Key header"));
    }
    set req.http.X-Purged = xkey.softpurge(req.http.Surrogate-Key);
    std.log("softpurge " + req.http.Surrogate-Key + ": " + req.http.X-Purged + " objects");
    return (synth(200, "Purged"));
}

sub vcl_hash {
    hash_data(req.url);
    if (req.http.Host) {
        hash_data(req.http.Host);
    } else {
        hash_data(server.ip);
    }
    # The application builds absolute URLs (canonical, hreflang) from X-Forwarded-Proto
    # (SECURE_PROXY_SSL_HEADER): an http and an https page differ.
    hash_data(req.http.X-Forwarded-Proto);
    # The shopper's market and pricelist, `<COUNTRY>-<market>-<pricelist>`: the prices on the
    # page. Hashed verbatim (no normalising here): whatever value the application renders from,
    # the page is stored under exactly that value, so one market's page can never be served
    # for another. Absent and empty both mean the store's default.
    hash_data(cookie.get("shop_market"));
    return (lookup);
}

sub vcl_synth {
    if (req.method == "PURGE") {
        set resp.http.Content-Type = "text/plain; charset=utf-8";
        if (resp.status == 200) {
            set resp.http.X-Purged = req.http.X-Purged;
            set resp.body = "Soft-purged " + req.http.X-Purged + " objects" + {"
"};
        } else {
            set resp.body = resp.reason + {"
"};
        }
        return (deliver);
    }
}

sub vcl_backend_response {
    # Tags for xkey (PURGE above). Varnish's TTL already comes from s-maxage (it wins over
    # max-age=0, which is for browsers), and its grace from stale-while-revalidate: Varnish 7.1
    # reads that directive itself (vcl-var(7), beresp.grace), so neither is parsed here.
    if (beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
    }
    if (beresp.status >= 500) {
        if (bereq.is_bgfetch) {
            # A refresh of a stale (e.g. soft-purged) page failed: keep serving the stale
            # page rather than replacing it with the error.
            return (abandon);
        }
        # Never cache an error; the next request tries the backend again.
        set beresp.ttl = 0s;
        set beresp.grace = 0s;
        set beresp.uncacheable = true;
        return (deliver);
    }
    # The application does not compress its pages: store text gzipped (a fifth of the memory)
    # and send it so to the clients that accept it, which is nearly all of them; Varnish
    # gunzips for the rest.
    if (beresp.http.Content-Type ~ "^(text/|application/(json|xml))" &&
        !beresp.http.Content-Encoding) {
        set beresp.do_gzip = true;
    }
    # After TTL and grace, keep the object a while longer so a later fetch can be conditional
    # (If-None-Match with its ETag) and a 304 from the application reuses the stored body.
    set beresp.keep = 1d;
    # The builtin VCL runs next: Set-Cookie, `private`, `no-store`, `no-cache` or no TTL make
    # the answer hit-for-miss.
}

sub vcl_backend_error {
    if (bereq.is_bgfetch) {
        # The backend did not answer a background refresh: keep the stale page (Varnish 6.3+
        # would otherwise replace it with the synthetic error).
        return (abandon);
    }
}

sub vcl_deliver {
    # For tests, benches and operators: did this answer come from the cache?
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    # The tags are the proxy's business; browsers and any CDN in front get neither header.
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
}
