/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Doctor check 8, "network" (informational, never changes the exit status): the proxy
 * variables in effect, for each endpoint whether a proxy applies and which variable decided,
 * and one short request per endpoint. The decision mirrors libcurl's reading of the variables.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/doctor/doctor.h"
#include "util/strutil.h"

/* One attempt per endpoint, short enough that an unreachable host does not stall the run. */
#define PROBE_TIMEOUT_MS 5000

/* The variables libcurl reads, lower case first as it does. */
static const char *const proxy_vars[] = {"https_proxy", "HTTPS_PROXY", "http_proxy",
                                         "HTTP_PROXY",  "all_proxy",   "ALL_PROXY",
                                         "no_proxy",    "NO_PROXY"};

struct proxy_decision {
    const char *proxy;     /* proxy URL, NULL for a direct connection */
    char reason[512];      /* which variable or setting decided */
};

/* Copy @p url with any user info replaced by "***", so that a proxy password never shows. */
static void redact_url(char *out, size_t size, const char *url)
{
    const char *scheme = strstr(url, "://");
    const char *start = scheme != NULL ? scheme + 3 : url;
    const char *end = start + strcspn(start, "/?#");
    const char *at = NULL;

    for (const char *p = start; p < end; p++) {
        if (*p == '@')
            at = p;
    }
    if (at == NULL) {
        snprintf(out, size, "%s", url);
        return;
    }
    snprintf(out, size, "%.*s***%s", (int)(start - url), url, at);
}

static const char *env_nonempty(const char *name)
{
    const char *value = getenv(name);

    return value != NULL && value[0] != '\0' ? value : NULL;
}

/* Nonzero when @p host lies in the CIDR block @p net/@p bits (IPv4 or IPv6). */
static int in_cidr(const char *host, const char *net, const char *bits_text)
{
    unsigned char a[16];
    unsigned char b[16];
    uint64_t bits;
    int family = strchr(net, ':') != NULL ? AF_INET6 : AF_INET;
    unsigned int len = family == AF_INET ? 4 : 16;

    if (inet_pton(family, host, a) != 1 || inet_pton(family, net, b) != 1 ||
        m365id__parse_u64(&bits, bits_text) != 0 || bits > len * 8)
        return 0;
    for (unsigned int i = 0; i < len && bits > 0; i++) {
        unsigned int take = bits >= 8 ? 8 : (unsigned int)bits;
        unsigned char mask = (unsigned char)(0xff << (8 - take));

        if ((a[i] & mask) != (b[i] & mask))
            return 0;
        bits -= take;
    }
    return 1;
}

/* The NO_PROXY entry that matches @p host, copied to @p entry; 0 when none does. Entries
 * follow libcurl: "*", a host name matching itself and its subdomains (a leading '.' is
 * ignored), an IP address, or a CIDR block. */
static int no_proxy_match(char *entry, size_t size, const char *list, const char *host)
{
    const char *p = list;

    while (*p != '\0') {
        size_t len = strcspn(p, ",");
        char item[256];
        char *slash;
        size_t hlen = strlen(host);
        size_t ilen;
        const char *name;

        if (len < sizeof(item)) {
            const char *s = p;
            size_t n = len;

            while (n > 0 && (*s == ' ' || *s == '\t')) {
                s++;
                n--;
            }
            while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
                n--;
            memcpy(item, s, n);
            item[n] = '\0';
            name = item[0] == '.' ? item + 1 : item;
            ilen = strlen(name);
            slash = strchr(item, '/');
            if (strcmp(item, "*") == 0 ||
                (slash != NULL && (*slash = '\0', in_cidr(host, item, slash + 1))) ||
                (ilen > 0 && strcasecmp(name, host) == 0) ||
                (ilen > 0 && hlen > ilen && host[hlen - ilen - 1] == '.' &&
                 strcasecmp(host + hlen - ilen, name) == 0)) {
                if (slash != NULL)
                    *slash = '/';
                snprintf(entry, size, "%s", item);
                return 1;
            }
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

/* Decide, as libcurl does for an https URL, whether a proxy applies to @p host. */
static void decide(struct proxy_decision *out, const struct doctor *d, const char *host)
{
    const char *use_proxy = doctor_setting(d, "client_options.use_proxy", NULL);
    const char *proxy_url = doctor_setting(d, "client_options.proxy_url", NULL);
    const char *no_proxy_name = env_nonempty("no_proxy") != NULL ? "no_proxy" : "NO_PROXY";
    const char *no_proxy = env_nonempty(no_proxy_name);
    static const char *const https_vars[] = {"https_proxy", "HTTPS_PROXY", "all_proxy",
                                             "ALL_PROXY"};
    char entry[256];

    out->proxy = NULL;
    if (use_proxy != NULL && strcmp(use_proxy, "true") == 0 && proxy_url != NULL) {
        out->proxy = proxy_url;
        snprintf(out->reason, sizeof(out->reason),
                 "client_options.proxy_url, which applies to every host (NO_PROXY is not "
                 "read)");
        return;
    }
    if (no_proxy != NULL && no_proxy_match(entry, sizeof(entry), no_proxy, host)) {
        snprintf(out->reason, sizeof(out->reason), "%s entry '%s' matches", no_proxy_name,
                 entry);
        return;
    }
    for (size_t i = 0; i < sizeof(https_vars) / sizeof(https_vars[0]); i++) {
        const char *value = env_nonempty(https_vars[i]);

        if (value == NULL)
            continue;
        out->proxy = value;
        snprintf(out->reason, sizeof(out->reason), "from %s%s", https_vars[i],
                 no_proxy != NULL ? "; no NO_PROXY entry matches" : "; NO_PROXY is not set");
        return;
    }
    snprintf(out->reason, sizeof(out->reason), "no https_proxy, HTTPS_PROXY or ALL_PROXY set");
}

static void report_variables(struct doctor_check *c)
{
    char shown[512];
    int any = 0;

    for (size_t i = 0; i < sizeof(proxy_vars) / sizeof(proxy_vars[0]); i++)
        any |= getenv(proxy_vars[i]) != NULL;
    if (!any) {
        doctor_finding(c, DOCTOR_PASS, NULL, "no proxy variable is set: connections are direct");
        return;
    }
    doctor_finding(c, DOCTOR_PASS, NULL, "proxy variables in effect (user info hidden)");
    for (size_t i = 0; i < sizeof(proxy_vars) / sizeof(proxy_vars[0]); i++) {
        const char *value = getenv(proxy_vars[i]);

        if (value == NULL)
            continue;
        redact_url(shown, sizeof(shown), value);
        doctor_evidence(c, proxy_vars[i], "%s", value[0] != '\0' ? shown : "(empty)");
    }

    /* libcurl reads the lower-case https_proxy and no_proxy first. */
    for (size_t i = 0; i + 1 < sizeof(proxy_vars) / sizeof(proxy_vars[0]); i += 2) {
        const char *lower = env_nonempty(proxy_vars[i]);
        const char *upper = env_nonempty(proxy_vars[i + 1]);

        if (lower != NULL && upper != NULL && strcmp(lower, upper) != 0) {
            doctor_finding(c, DOCTOR_WARN, "give both spellings the same value",
                           "%s and %s differ: libcurl uses %s", proxy_vars[i],
                           proxy_vars[i + 1], proxy_vars[i]);
        }
    }
}

static void probe(struct doctor_check *c, const struct doctor *d, const char *label,
                  const char *url)
{
    struct m365id__http_response resp = M365ID__HTTP_RESPONSE_INIT;
    struct proxy_decision decision;
    char host[256];
    char proxy[512];
    char fix[512];
    int rc;

    if (url == NULL || doctor_url_host(host, sizeof(host), url) < 0)
        return;
    decide(&decision, d, host);
    if (decision.proxy != NULL)
        redact_url(proxy, sizeof(proxy), decision.proxy);
    else
        snprintf(proxy, sizeof(proxy), "none (direct)");

    if (doctor_options(d)->offline) {
        doctor_finding(c, DOCTOR_PASS, NULL, "%s: %s", label, host);
        doctor_evidence(c, "proxy", "%s", proxy);
        doctor_evidence(c, "decided by", "%s", decision.reason);
        doctor_evidence(c, "reachable", "not tried: --offline");
        return;
    }

    rc = doctor_http_get(&resp, d, url, PROBE_TIMEOUT_MS);
    if (rc == 0 || rc == M365ID_ETOOBIG) {
        doctor_finding(c, DOCTOR_PASS, NULL, "%s: %s answers", label, host);
    } else {
        snprintf(fix, sizeof(fix),
                 decision.proxy != NULL
                     ? "check the proxy, or add '%s' to NO_PROXY and no_proxy if it must be "
                       "reached directly"
                     : "check DNS, routes and firewalls from this machine to '%s', or set "
                       "HTTPS_PROXY if the network requires a proxy",
                 host);
        doctor_finding(c, DOCTOR_FAIL, fix, "%s: %s cannot be reached%s", label, host,
                       decision.proxy != NULL ? " through the proxy" : "");
    }
    doctor_evidence(c, "url", "%s", url);
    doctor_evidence(c, "proxy", "%s", proxy);
    doctor_evidence(c, "decided by", "%s", decision.reason);
    if (rc == 0)
        doctor_evidence(c, "reply", "HTTP %ld in %lld ms", resp.status, resp.elapsed_ms);
    else
        doctor_evidence(c, "error", "%s (after %lld ms)",
                        resp.error[0] != '\0' ? resp.error : m365id_strerror(rc),
                        resp.elapsed_ms);
    m365id__http_response_clear(&resp);
}

void doctor_check_network(struct doctor *d)
{
    struct doctor_check *c = doctor_check_begin(d, "network", "proxies and reachability of "
                                                "each endpoint", 0);
    const struct doctor_facts *facts = doctor_facts(d);
    const char *authority = doctor_setting(d, "authority_host", NULL);
    const char *graph = doctor_setting(d, "graph_endpoint", NULL);
    const char *iss = NULL;
    char url[2048];

    report_variables(c);
    if (facts->ctx == NULL) {
        doctor_finding(c, DOCTOR_SKIP, NULL, "endpoints unknown: the configuration did not "
                                             "resolve");
        return;
    }

    /* The tenant's discovery document: what a client fetches first from the authority. */
    if (authority != NULL && facts->tenant_id != NULL) {
        snprintf(url, sizeof(url), "%s%s%s/v2.0/.well-known/openid-configuration", authority,
                 m365id__ends_with(authority, "/") ? "" : "/", facts->tenant_id);
        probe(c, d, "authority", url);
    }
    if (graph != NULL) {
        snprintf(url, sizeof(url), "%s%s", graph, m365id__ends_with(graph, "/") ? "" : "/");
        probe(c, d, "Graph", url);
    }
    if (facts->assertion_claims != NULL &&
        json_is_string(json_object_get(facts->assertion_claims, "iss"))) {
        iss = json_string_value(json_object_get(facts->assertion_claims, "iss"));
        if (m365id__starts_with(iss, "https://")) {
            size_t len = strlen(iss);

            if (len > 0 && iss[len - 1] == '/')
                len--;
            snprintf(url, sizeof(url), "%.*s/.well-known/openid-configuration", (int)len, iss);
            probe(c, d, "issuer", url);
        }
    }
}
