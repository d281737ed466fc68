/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Fault rules: parsing, the table behind its mutex, which request family a path belongs to,
 * and the replies a rule puts in place of the real one (in the error shape of that family).
 */
#include "faults.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aadsts.h"
#include "emu.h"
#include "m365id/error.h"
#include "scenario_parse.h"
#include "util/crypto.h"
#include "util/json.h"
#include "util/quote.h"
#include "util/strutil.h"
#include "util/timeutil.h"

static const char *const endpoint_names[EMU_FAULT_ENDPOINT_COUNT] = {
    "token", "graph", "msi", "discovery", "jwks", "ci_token"};

static const char *const body_names[] = {"normal", "empty", "truncated", "non_json"};

/* OAuth error of the AADSTS codes a fault rule is likely to name; others use "error". */
static const struct {
    int code;
    const char *error;
} aadsts_errors[] = {
    {70021, "invalid_request"},      {700211, "invalid_client"},  {700212, "invalid_client"},
    {700213, "invalid_client"},      {7002138, "invalid_client"}, {70025, "invalid_client"},
    {700024, "invalid_client"},      {700027, "invalid_client"},  {7000215, "invalid_client"},
    {7000222, "invalid_client"},     {90061, "invalid_request"},  {50196, "invalid_request"},
    {700016, "unauthorized_client"}, {90002, "invalid_tenant"},   {500011, "invalid_resource"},
};

const char *emu_fault_endpoint_name(enum emu_fault_endpoint endpoint)
{
    return (unsigned int)endpoint < EMU_FAULT_ENDPOINT_COUNT ? endpoint_names[endpoint] : "?";
}

/* --- parsing --- */

/* An optional integer member from @p min to @p max; @p fallback when absent. */
static int get_count(long long *out, const json_t *obj, const char *path, const char *key,
                     long long fallback, long long min, long long max, struct emu_error *err)
{
    long long v = 0;
    int r = m365id__json_get_int(&v, obj, key);

    *out = fallback;
    if (r == M365ID__JSON_ABSENT)
        return 0;
    if (r != M365ID__JSON_OK || v < min || v > max) {
        emu_scn_fail(err, NULL, "%s.%s: must be a whole number from %lld to %lld", path, key, min,
                     max);
        return emu_scn_hint(err, "write a number from %lld to %lld without quotes", min, max);
    }
    *out = v;
    return 0;
}

static int parse_retry_after(struct emu_fault *out, const json_t *obj, const char *path,
                             struct emu_error *err)
{
    const json_t *v = json_object_get(obj, "retry_after");
    const char *s;
    size_t i;

    if (v == NULL || json_is_null(v))
        return 0;
    if (json_is_integer(v)) {
        if (json_integer_value(v) < 0 || json_integer_value(v) > 86400)
            return emu_scn_fail(err, "write seconds from 0 to 86400, or an HTTP date string",
                                "%s.retry_after: %lld is outside 0 to 86400", path,
                                (long long)json_integer_value(v));
        snprintf(out->retry_after, sizeof(out->retry_after), "%lld",
                 (long long)json_integer_value(v));
        return 0;
    }
    s = json_string_value(v);
    if (s == NULL || s[0] == '\0' || strlen(s) >= sizeof(out->retry_after))
        return emu_scn_fail(err,
                            "write seconds such as \"1\" or an HTTP date such as "
                            "\"Wed, 21 Oct 2026 07:28:00 GMT\"",
                            "%s.retry_after: must be a number or a string of 1 to %zu characters",
                            path, sizeof(out->retry_after) - 1);
    /* The value becomes a header line: printable ASCII only. */
    for (i = 0; s[i] != '\0'; i++) {
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
            return emu_scn_fail(err, "remove control and non-ASCII characters",
                                "%s.retry_after: contains a character that cannot go in a "
                                "header",
                                path);
    }
    snprintf(out->retry_after, sizeof(out->retry_after), "%s", s);
    return 0;
}

static int parse_aadsts(struct emu_fault *out, const json_t *obj, const char *path,
                        struct emu_error *err)
{
    const char *error = NULL;
    long long code = 0;
    size_t i;
    int rc;

    if ((rc = get_count(&code, obj, path, "aadsts", 0, 1, 99999999, err)) < 0)
        return rc;
    out->aadsts = (int)code;
    if (m365id__json_get_str(&error, obj, "error") == M365ID__JSON_BADTYPE)
        return emu_scn_fail(err, "write an OAuth error such as \"invalid_client\"",
                            "%s.error: must be a string", path);
    if (error != NULL && out->aadsts == 0)
        return emu_scn_fail(err, "add \"aadsts\" or remove \"error\"",
                            "%s.error: only applies together with \"aadsts\"", path);
    if (out->aadsts == 0)
        return 0;
    if (error == NULL) {
        error = "invalid_request";
        for (i = 0; i < sizeof(aadsts_errors) / sizeof(aadsts_errors[0]); i++) {
            if (aadsts_errors[i].code == out->aadsts)
                error = aadsts_errors[i].error;
        }
    }
    if (error[0] == '\0' || strlen(error) >= sizeof(out->aadsts_error) ||
        strspn(error, "abcdefghijklmnopqrstuvwxyz_") != strlen(error))
        return emu_scn_fail(err, "write an OAuth error such as \"invalid_client\"",
                            "%s.error: must be lower-case letters and '_', at most %zu", path,
                            sizeof(out->aadsts_error) - 1);
    snprintf(out->aadsts_error, sizeof(out->aadsts_error), "%s", error);
    return 0;
}

int emu_fault_parse(struct emu_fault *out, const json_t *obj, const char *path,
                    struct emu_error *err)
{
    static const char *const keys[] = {"endpoint", "after",    "count", "percent",
                                       "status",   "retry_after", "delay_ms", "drop",
                                       "body",     "aadsts",   "error", NULL};
    const char *s = NULL;
    long long v = 0;
    size_t i;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!json_is_object(obj))
        return emu_scn_fail(err, "write the rule as a JSON object in curly braces",
                            "%s: must be an object", path);
    if ((rc = emu_scn_check_keys(obj, path, keys, err)) < 0)
        return rc;

    if (m365id__json_get_str(&s, obj, "endpoint") != M365ID__JSON_OK) {
        return emu_scn_fail(err, "use one of token, graph, msi, discovery, jwks, ci_token",
                            "%s.endpoint: required string is missing", path);
    }
    for (i = 0; i < EMU_FAULT_ENDPOINT_COUNT; i++) {
        if (strcmp(s, endpoint_names[i]) == 0)
            break;
    }
    if (i == EMU_FAULT_ENDPOINT_COUNT) {
        struct m365id__quoted q;

        m365id__quote(&q, s);
        return emu_scn_fail(err, "use one of token, graph, msi, discovery, jwks, ci_token",
                            "%s.endpoint: unknown endpoint '%s'", path, q.text);
    }
    out->endpoint = (enum emu_fault_endpoint)i;

    if ((rc = get_count(&out->after, obj, path, "after", 0, 0, EMU_FAULT_REPEAT_MAX, err)) < 0 ||
        (rc = get_count(&out->count, obj, path, "count", 1, 1, EMU_FAULT_REPEAT_MAX, err)) < 0 ||
        (rc = get_count(&v, obj, path, "percent", 100, 1, 100, err)) < 0)
        return rc;
    out->percent = (int)v;
    if ((rc = get_count(&v, obj, path, "status", 0, 300, 599, err)) < 0)
        return rc;
    out->status = (int)v;
    if ((rc = get_count(&out->delay_ms, obj, path, "delay_ms", 0, 0, EMU_FAULT_DELAY_MAX_MS, err)) <
            0 ||
        (rc = emu_scn_get_bool(&out->drop, obj, path, "drop", 0, err)) < 0 ||
        (rc = parse_retry_after(out, obj, path, err)) < 0 ||
        (rc = parse_aadsts(out, obj, path, err)) < 0)
        return rc;

    s = NULL;
    if (m365id__json_get_str(&s, obj, "body") == M365ID__JSON_BADTYPE)
        return emu_scn_fail(err, "use one of empty, truncated, non_json",
                            "%s.body: must be a string", path);
    if (s != NULL) {
        for (i = 1; i < sizeof(body_names) / sizeof(body_names[0]); i++) {
            if (strcmp(s, body_names[i]) == 0)
                break;
        }
        if (i == sizeof(body_names) / sizeof(body_names[0])) {
            struct m365id__quoted q;

            m365id__quote(&q, s);
            return emu_scn_fail(err, "use one of empty, truncated, non_json",
                                "%s.body: unknown body kind '%s'", path, q.text);
        }
        out->body = (enum emu_fault_body)i;
    }

    /* The effects must make one coherent reply. */
    if (out->status == 0 && out->delay_ms == 0 && !out->drop && out->body == 0 && out->aadsts == 0)
        return emu_scn_fail(err, "add status, delay_ms, drop, body or aadsts",
                            "%s: the rule has no effect", path);
    if (out->drop &&
        (out->status != 0 || out->body != 0 || out->aadsts != 0 || out->retry_after[0] != '\0'))
        return emu_scn_fail(err, "remove status, body, aadsts and retry_after, or drop",
                            "%s: a dropped connection carries no reply", path);
    if (out->aadsts != 0 && out->endpoint != EMU_FAULT_TOKEN)
        return emu_scn_fail(err, "set \"endpoint\": \"token\" or remove \"aadsts\"",
                            "%s.aadsts: only the token endpoint replies with AADSTS codes", path);
    if (out->aadsts != 0 && (out->status != 0 || out->body != 0))
        return emu_scn_fail(err, "remove status and body: the AADSTS code decides the reply",
                            "%s: \"aadsts\" excludes \"status\" and \"body\"", path);
    if (out->retry_after[0] != '\0' && out->status == 0 && out->aadsts == 0)
        return emu_scn_fail(err, "add a status such as 429 or 503",
                            "%s.retry_after: needs a status or an AADSTS code", path);
    return 0;
}

/* --- classification --- */

/* Nonzero when @p s ends with @p suffix and has exactly one non-empty segment before it. */
static int one_segment_then(const char *s, const char *suffix)
{
    size_t n = strlen(s);
    size_t m = strlen(suffix);
    const char *slash;

    if (n <= m + 1 || strcmp(s + n - m, suffix) != 0 || s[0] != '/')
        return 0;
    slash = strchr(s + 1, '/');
    return slash == s + n - m;
}

int emu_fault_classify(const char *path)
{
    const char *rest = path;

    if (strncmp(path, "/_emulator/", 11) == 0)
        return -1;
    if (strncmp(path, "/_msi/", 6) == 0)
        return EMU_FAULT_MSI;
    if (strncmp(path, "/ci/", 4) == 0) {
        if (m365id__ends_with(path, "/token"))
            return EMU_FAULT_CI_TOKEN;
        if (m365id__ends_with(path, "/.well-known/openid-configuration"))
            return EMU_FAULT_DISCOVERY;
        if (m365id__ends_with(path, "/.well-known/jwks"))
            return EMU_FAULT_JWKS;
        return -1;
    }
    if (strncmp(path, "/clusters/", 10) == 0) {
        if (m365id__ends_with(path, "/.well-known/openid-configuration"))
            return EMU_FAULT_DISCOVERY;
        if (m365id__ends_with(path, "/openid/v1/jwks"))
            return EMU_FAULT_JWKS;
        return -1;
    }
    if (strncmp(path, "/clouds/", 8) == 0) {
        rest = strchr(path + 8, '/');
        if (rest == NULL)
            return -1;
    }
    if (strncmp(rest, "/v1.0/", 6) == 0 || strncmp(rest, "/beta/", 6) == 0)
        return EMU_FAULT_GRAPH;
    if (one_segment_then(rest, "/oauth2/v2.0/token") ||
        one_segment_then(rest, "/oauth2/v2.0/devicecode"))
        return EMU_FAULT_TOKEN;
    if (one_segment_then(rest, "/v2.0/.well-known/openid-configuration") ||
        strcmp(rest, "/common/discovery/instance") == 0)
        return EMU_FAULT_DISCOVERY;
    if (one_segment_then(rest, "/discovery/v2.0/keys") || one_segment_then(rest, "/discovery/keys"))
        return EMU_FAULT_JWKS;
    return -1;
}

/* --- the table --- */

void emu_faults_init(struct emu_faults *faults)
{
    memset(faults, 0, sizeof(*faults));
    pthread_mutex_init(&faults->lock, NULL);
    faults->next_id = 1;
}

void emu_faults_destroy(struct emu_faults *faults)
{
    pthread_mutex_destroy(&faults->lock);
}

int emu_faults_add(struct emu_faults *faults, struct emu_fault *rule)
{
    int rc = 0;

    pthread_mutex_lock(&faults->lock);
    if (faults->count == EMU_FAULTS_MAX) {
        size_t kept = 0;
        size_t i;

        for (i = 0; i < faults->count; i++) {
            if (faults->rules[i].count > 0)
                faults->rules[kept++] = faults->rules[i];
        }
        faults->count = kept;
    }
    if (faults->count == EMU_FAULTS_MAX) {
        rc = M365ID_ETOOBIG;
    } else {
        rule->id = faults->next_id++;
        faults->rules[faults->count++] = *rule;
    }
    pthread_mutex_unlock(&faults->lock);
    return rc;
}

size_t emu_faults_remove_all(struct emu_faults *faults)
{
    size_t n;

    pthread_mutex_lock(&faults->lock);
    n = faults->count;
    faults->count = 0;
    pthread_mutex_unlock(&faults->lock);
    return n;
}

json_t *emu_faults_json(struct emu_faults *faults)
{
    json_t *list = json_array();
    size_t i;

    if (list == NULL)
        return NULL;
    pthread_mutex_lock(&faults->lock);
    for (i = 0; i < faults->count; i++) {
        const struct emu_fault *f = &faults->rules[i];
        json_t *r = json_pack("{s:I,s:s,s:I,s:I}", "id", (json_int_t)f->id, "endpoint",
                              emu_fault_endpoint_name(f->endpoint), "after", (json_int_t)f->after,
                              "count", (json_int_t)f->count);

        if (r == NULL)
            continue;
        if (f->percent != 100)
            json_object_set_new(r, "percent", json_integer(f->percent));
        if (f->status != 0)
            json_object_set_new(r, "status", json_integer(f->status));
        if (f->retry_after[0] != '\0')
            json_object_set_new(r, "retry_after", json_string(f->retry_after));
        if (f->delay_ms != 0)
            json_object_set_new(r, "delay_ms", json_integer(f->delay_ms));
        if (f->drop)
            json_object_set_new(r, "drop", json_true());
        if (f->body != EMU_FAULT_BODY_NORMAL)
            json_object_set_new(r, "body", json_string(body_names[f->body]));
        if (f->aadsts != 0) {
            json_object_set_new(r, "aadsts", json_integer(f->aadsts));
            json_object_set_new(r, "error", json_string(f->aadsts_error));
        }
        json_array_append_new(list, r);
    }
    pthread_mutex_unlock(&faults->lock);
    return json_pack("{s:o}", "faults", list);
}

/* Nonzero with a chance of @p percent in 100. */
static int chance(int percent)
{
    uint32_t r = 0;

    if (m365id__random(&r, sizeof(r)) != 0)
        return 1;
    return (int)(r % 100u) < percent;
}

int emu_faults_take(struct emu_faults *faults, enum emu_fault_endpoint endpoint,
                    struct emu_fault *out)
{
    int applied = 0;
    size_t i;

    pthread_mutex_lock(&faults->lock);
    for (i = 0; i < faults->count; i++) {
        struct emu_fault *f = &faults->rules[i];

        if (f->endpoint != endpoint || f->count == 0)
            continue;
        if (f->after > 0) {
            f->after--;
            continue;
        }
        if (!applied && f->percent < 100 && !chance(f->percent))
            continue;
        if (!applied) {
            *out = *f;
            f->count--;
            applied = 1;
        }
    }
    pthread_mutex_unlock(&faults->lock);
    return applied;
}

/* --- replies --- */

static const char *status_text(int status)
{
    switch (status) {
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "Error";
    }
}

/* Graph's error codes for the statuses a throttled or failing service returns. */
static const char *graph_code(int status)
{
    switch (status) {
    case 429:
        return "TooManyRequests";
    case 500:
        return "InternalServerError";
    case 502:
        return "BadGateway";
    case 503:
        return "ServiceUnavailable";
    case 504:
        return "GatewayTimeout";
    default:
        return "UnknownError";
    }
}

/* A reply of @p rule->status in the error shape of the request's family. */
static void status_reply(struct httpd_reply *reply, const struct httpd_request *req,
                         const struct emu_fault *rule, enum emu_fault_endpoint endpoint)
{
    char text[256];
    char when[32];
    json_t *doc;

    snprintf(text, sizeof(text), "%d %s, injected by fault rule %u of the emulator.", rule->status,
             status_text(rule->status), rule->id);
    switch (endpoint) {
    case EMU_FAULT_TOKEN:
    case EMU_FAULT_DISCOVERY:
    case EMU_FAULT_JWKS: {
        char description[512];

        m365id__format_utc(when, sizeof(when), m365id__now_s());
        snprintf(description, sizeof(description),
                 "%s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s", text, req->request_id,
                 req->request_id, when);
        doc = json_pack("{s:s,s:s,s:s,s:s,s:s}", "error",
                        rule->status >= 500 || rule->status == 429 ? "temporarily_unavailable"
                                                                   : "invalid_request",
                        "error_description", description, "timestamp", when, "trace_id",
                        req->request_id, "correlation_id", req->request_id);
        break;
    }
    case EMU_FAULT_GRAPH:
        m365id__format_rfc3339(when, sizeof(when), m365id__now_s());
        doc = json_pack("{s:{s:s,s:s,s:{s:s,s:s,s:s}}}", "error", "code", graph_code(rule->status),
                        "message", text, "innerError", "date", when, "request-id", req->request_id,
                        "client-request-id", req->request_id);
        break;
    case EMU_FAULT_MSI:
        if (strstr(req->path, "/msi/token") != NULL)
            doc = json_pack("{s:i,s:s}", "statusCode", rule->status, "message", text);
        else
            doc = json_pack("{s:s,s:s}", "error",
                            rule->status == 429 ? "too_many_requests" : "unknown",
                            "error_description", text);
        break;
    default:
        doc =
            json_pack("{s:{s:s,s:s}}", "error", "code", graph_code(rule->status), "message", text);
        break;
    }
    emu_reply_json(reply, rule->status, doc);
}

/* Replace the body of @p reply with the damage @p kind names, keeping the status. */
static void change_body(struct httpd_reply *reply, enum emu_fault_body kind)
{
    static const char html[] = "<html><head><title>Service Unavailable</title></head>"
                               "<body><h1>Service Unavailable</h1></body></html>\n";
    int secret = reply->body_is_secret;
    char *half;
    size_t n;

    switch (kind) {
    case EMU_FAULT_BODY_EMPTY:
        httpd_reply_set(reply, reply->status, reply->content_type, "", 0);
        break;
    case EMU_FAULT_BODY_TRUNCATED:
        /* A copy of the first half, so the whole old body is wiped when it is replaced. */
        n = reply->body_len / 2;
        half = malloc(n + 1);
        if (half == NULL) {
            httpd_reply_set(reply, reply->status, reply->content_type, "", 0);
            break;
        }
        memcpy(half, reply->body != NULL ? reply->body : "", n);
        half[n] = '\0';
        httpd_reply_take(reply, reply->status, reply->content_type, half, n);
        break;
    case EMU_FAULT_BODY_NON_JSON:
        httpd_reply_set(reply, reply->status, "text/html", html, sizeof(html) - 1);
        break;
    default:
        return;
    }
    reply->body_is_secret = secret;
}

int emu_fault_before(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e,
                     const struct emu_fault *rule)
{
    emu_stats_fault(&e->stats, rule->endpoint);
    if (rule->delay_ms > 0)
        m365id__sleep_ms(rule->delay_ms);
    if (rule->drop) {
        reply->drop = 1;
        httpd_reply_outcome(reply, "fault %u: connection dropped", rule->id);
        return 1;
    }
    if (rule->aadsts != 0) {
        emu_aadsts_reply(reply, req, e, rule->aadsts, rule->aadsts_error,
                         "The request failed because of fault rule %u of the emulator, which "
                         "imitates an intermittent Entra ID failure such as the propagation "
                         "delay of a new federated identity credential.",
                         rule->id);
    } else if (rule->status != 0) {
        status_reply(reply, req, rule, rule->endpoint);
        change_body(reply, rule->body);
    } else {
        return 0;
    }
    if (rule->retry_after[0] != '\0')
        httpd_reply_add_header(reply, "Retry-After", rule->retry_after);
    if (rule->aadsts != 0)
        httpd_reply_outcome(reply, "fault %u: AADSTS%d", rule->id, rule->aadsts);
    else
        httpd_reply_outcome(reply, "fault %u: HTTP %d", rule->id, reply->status);
    return 1;
}

void emu_fault_after(struct httpd_reply *reply, const struct emu_fault *rule)
{
    if (rule->body == EMU_FAULT_BODY_NORMAL)
        return;
    change_body(reply, rule->body);
    httpd_reply_outcome(reply, "fault %u: %s body", rule->id, body_names[rule->body]);
}
