vcl 4.1;

# A shared cache in front of one application, for tests (VarnishServer): it honours the
# application's Cache-Control (s-maxage, private, no-store), RFC 9111 §3.5 for requests with
# Authorization, stale-while-revalidate and stale-if-error (RFC 5861) as grace, and purges by
# URL (PURGE) or by surrogate key (PURGE with an xkey-purge header, vmod xkey).

import std;
import xkey;

backend application {
	.host = "127.0.0.1";
	.port = "@BACKEND_PORT@";
	.connect_timeout = 1s;
	.first_byte_timeout = 10s;
	# sick after three failed probes in a row (a slow answer on a busy machine is not an
	# outage), healthy again after one good one
	.probe = {
		.url = "@PROBE_PATH@";
		.interval = 1s;
		.timeout = 2s;
		.window = 3;
		.threshold = 1;
		.initial = 1;
	}
}

acl purgers {
	"127.0.0.1";
	"::1";
}

sub vcl_recv {
	if (req.restarts == 0) {
		unset req.http.x-grace-limit;
	}
	if (req.method == "VARNISH-PING") {
		return (synth(200, "PONG"));
	}
	if (req.method == "PURGE") {
		if (client.ip !~ purgers) {
			return (synth(405, "Not allowed"));
		}
		if (req.http.xkey-purge) {
			return (synth(200, "Purged " + xkey.purge(req.http.xkey-purge)));
		}
		if (req.http.xkey-softpurge) {
			return (synth(200, "Soft-purged " + xkey.softpurge(req.http.xkey-softpurge)));
		}
		return (purge);
	}
	if (req.method != "GET" && req.method != "HEAD") {
		return (pass);
	}
	if (req.http.x-grace-limit) {
		set req.grace = std.duration(req.http.x-grace-limit, 0s);
		unset req.http.x-grace-limit;
	}
	# Unlike Varnish's built-in VCL, a request with Authorization or a cookie is looked up too:
	# whether its response may be stored is the response's to say (vcl_backend_response).
	return (hash);
}

sub vcl_hit {
	# Past stale-while-revalidate, a stale object is for a failing origin only (stale-if-error):
	# while the origin is healthy, look up again without grace and fetch.
	if (obj.ttl < 0s && req.restarts == 0 && std.healthy(req.backend_hint)
			&& obj.ttl + std.duration(obj.http.x-swr, 0s) < 0s) {
		set req.http.x-grace-limit = obj.http.x-swr;
		return (restart);
	}
}

sub vcl_backend_response {
	# RFC 9111 §3.5: a response to a request with Authorization is stored by a shared cache
	# only if it says public, s-maxage or must-revalidate.
	if (bereq.http.Authorization
			&& beresp.http.Cache-Control !~ "(?i)(^|[ ,])(public|s-maxage|must-revalidate)") {
		set beresp.ttl = 120s;
		set beresp.uncacheable = true;
		return (deliver);
	}
	if (beresp.http.Surrogate-Key) {
		set beresp.http.xkey = beresp.http.Surrogate-Key;
	}
	set beresp.grace = 0s;
	set beresp.http.x-swr = "0s";
	if (beresp.http.Cache-Control ~ "(?i)stale-while-revalidate=[0-9]+") {
		set beresp.http.x-swr = regsub(beresp.http.Cache-Control, "(?i)^.*stale-while-revalidate=([0-9]+).*$", "\1s");
		set beresp.grace = std.duration(beresp.http.x-swr, 0s);
	}
	if (beresp.http.Cache-Control ~ "(?i)stale-if-error=[0-9]+") {
		set beresp.http.x-sie = regsub(beresp.http.Cache-Control, "(?i)^.*stale-if-error=([0-9]+).*$", "\1s");
		if (std.duration(beresp.http.x-sie, 0s) > beresp.grace) {
			set beresp.grace = std.duration(beresp.http.x-sie, 0s);
		}
		unset beresp.http.x-sie;
	}
	# then Varnish's built-in rules: no-store, no-cache, private, Set-Cookie, Vary: * are not stored
}

sub vcl_deliver {
	unset resp.http.xkey;
	unset resp.http.x-swr;
	if (obj.uncacheable) {
		set resp.http.X-Cache = "PASS";
	}
	elsif (obj.hits > 0) {
		set resp.http.X-Cache = "HIT";
	}
	else {
		set resp.http.X-Cache = "MISS";
	}
}
