/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The device authorization grant (RFC 8628) as Entra serves it: the devicecode endpoint, the
 * device_code grant of the token endpoint, and the control routes that approve or decline a
 * user code in place of a person at a browser. Other grants are checked in sts.c.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aadsts.h"
#include "device.h"
#include "emu.h"
#include "m365id/error.h"
#include "util/json.h"
#include "util/quote.h"
#include "util/secret.h"
#include "util/strutil.h"
#include "util/timeutil.h"

/* Pending codes kept at once. Tests need a few, and a full table replies with HTTP 503. */
#define DEVICE_CODES_MAX 64
#define SCOPE_TEXT_MAX 1024
#define SCP_TEXT_MAX 1024
/* A poll this much earlier than the interval still counts as on time (network jitter). */
#define POLL_TOLERANCE_MS 250
/* RFC 8628 section 3.5: slow_down adds 5 seconds to the interval. */
#define SLOW_DOWN_STEP_S 5
/* User codes have 9 characters from an alphabet without look-alikes such as 0/O and 1/I. */
#define USER_CODE_LEN 9
#define VERIFICATION_PATH "/devicelogin"
#define EXPIRED_KEPT_S 300

enum device_state { DEVICE_PENDING, DEVICE_APPROVED, DEVICE_DECLINED };

struct device_entry {
    int used;
    char device_code[48];          /* base64url of 32 random bytes; a bearer secret */
    char user_code[USER_CODE_LEN + 1];
    const struct emu_tenant *tenant;
    const struct emu_app *app;
    char resource[256];            /* "aud" of the token */
    char scp[SCP_TEXT_MAX];        /* "scp" of the token; "" leaves it out */
    long long expires_at_s;        /* wall clock */
    long long interval_s;          /* grows by SLOW_DOWN_STEP_S on each slow_down */
    long long last_poll_ms;        /* monotonic; 0 before the first poll */
    enum device_state state;
    const struct emu_user *user;   /* who approved or declined */
};

struct emu_device_table {
    pthread_mutex_t lock;
    struct device_entry entries[DEVICE_CODES_MAX];
};

int emu_device_table_new(struct emu_device_table **out)
{
    struct emu_device_table *t = calloc(1, sizeof(*t));

    *out = NULL;
    if (t == NULL)
        return M365ID_ENOMEM;
    pthread_mutex_init(&t->lock, NULL);
    *out = t;
    return 0;
}

void emu_device_table_free(struct emu_device_table *t)
{
    if (t == NULL)
        return;
    pthread_mutex_destroy(&t->lock);
    m365id__wipe(t->entries, sizeof(t->entries));
    free(t);
}

/* Forget codes that expired EXPIRED_KEPT_S ago; called with the lock held. Until then a poll
 * still gets expired_token rather than invalid_grant. */
static void purge_expired(struct emu_device_table *t, long long now)
{
    for (size_t i = 0; i < DEVICE_CODES_MAX; i++) {
        if (t->entries[i].used && t->entries[i].expires_at_s + EXPIRED_KEPT_S <= now)
            memset(&t->entries[i], 0, sizeof(t->entries[i]));
    }
}

static int is_oidc_scope(const char *word, size_t len)
{
    static const char *const oidc[] = {"openid", "profile", "email", "offline_access", NULL};

    for (size_t i = 0; oidc[i] != NULL; i++) {
        if (strlen(oidc[i]) == len && strncmp(word, oidc[i], len) == 0)
            return 1;
    }
    return 0;
}

/* Append @p len bytes of @p word to the space-separated list @p out. */
static void scp_append(char *out, size_t size, const char *word, size_t len)
{
    size_t used = strlen(out);

    if (used + len + 2 > size)
        return;
    if (used > 0)
        out[used++] = ' ';
    memcpy(out + used, word, len);
    out[used + len] = '\0';
}

/*
 * Split the requested scopes into one Graph resource and the token's "scp". Bare permission
 * names mean Graph; ".default" means the application's consented delegated permissions.
 * Returns 0, or -1 with the AADSTS reply set.
 */
static int parse_scopes(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e,
                        const struct emu_cloud *cloud, const struct emu_app *app,
                        const char *scope, struct device_entry *d)
{
    const char *p = scope;
    char explicit[SCP_TEXT_MAX] = "";
    char oidc[128] = "";
    int want_default = 0;
    struct m365id__quoted q;

    d->resource[0] = '\0';
    while (*p != '\0') {
        size_t len = strcspn(p, " ");
        const char *slash;
        char resource[256];
        size_t rlen;

        if (len == 0) {
            p++;
            continue;
        }
        if (is_oidc_scope(p, len)) {
            if (strncmp(p, "offline_access", len) != 0)
                scp_append(oidc, sizeof(oidc), p, len);
            p += len;
            continue;
        }
        /* "RESOURCE/PERMISSION": the resource is everything before the last '/'. */
        slash = NULL;
        for (const char *c = p; c < p + len; c++) {
            if (*c == '/')
                slash = c;
        }
        if (slash != NULL) {
            rlen = (size_t)(slash - p);
            if (rlen == 0 || rlen >= sizeof(resource)) {
                m365id__quote_len(&q, p, len);
                emu_aadsts_reply(reply, req, e, 70011, "invalid_scope",
                                 "The provided value for the input parameter 'scope' is not "
                                 "valid. The scope '%s' is not valid.", q.text);
                return -1;
            }
            memcpy(resource, p, rlen);
            resource[rlen] = '\0';
            if (!emu_cloud_is_graph_resource(cloud, resource)) {
                m365id__quote(&q, resource);
                emu_aadsts_reply(reply, req, e, 500011, "invalid_resource",
                                 "The resource principal named %s was not found in the tenant "
                                 "(this authority serves cloud '%s').", q.text, cloud->name);
                return -1;
            }
            if (d->resource[0] != '\0' && strcmp(d->resource, resource) != 0) {
                emu_aadsts_reply(reply, req, e, 28000, "invalid_scope",
                                 "Provided value for the input parameter scope is not valid "
                                 "because it contains more than one resource.");
                return -1;
            }
            snprintf(d->resource, sizeof(d->resource), "%s", resource);
            if (len - rlen - 1 == 8 && strncmp(slash + 1, ".default", 8) == 0)
                want_default = 1;
            else
                scp_append(explicit, sizeof(explicit), slash + 1, len - rlen - 1);
        } else {
            scp_append(explicit, sizeof(explicit), p, len);
        }
        p += len;
    }
    if (want_default && explicit[0] != '\0') {
        m365id__quote(&q, scope);
        emu_aadsts_reply(reply, req, e, 70011, "invalid_scope",
                         "The provided value for the input parameter 'scope' is not valid. The "
                         "scope '%s' combines '.default' with other permissions of the same "
                         "resource.", q.text);
        return -1;
    }
    if (d->resource[0] == '\0')
        snprintf(d->resource, sizeof(d->resource), "%s", cloud->graph_resources[0]);

    d->scp[0] = '\0';
    if (want_default) {
        for (size_t i = 0; i < app->delegated_permission_count; i++) {
            const char *perm = app->delegated_permissions[i];

            scp_append(d->scp, sizeof(d->scp), perm, strlen(perm));
        }
    } else {
        scp_append(d->scp, sizeof(d->scp), explicit, strlen(explicit));
    }
    if (oidc[0] != '\0')
        scp_append(d->scp, sizeof(d->scp), oidc, strlen(oidc));
    return 0;
}

/* A user code of USER_CODE_LEN characters from an alphabet without look-alikes. */
static int make_user_code(char *out)
{
    static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    unsigned char raw[USER_CODE_LEN];

    if (m365id__random(raw, sizeof(raw)) < 0)
        return -1;
    for (size_t i = 0; i < USER_CODE_LEN; i++)
        out[i] = alphabet[raw[i] % (sizeof(alphabet) - 1)];
    out[USER_CODE_LEN] = '\0';
    return 0;
}

static int make_device_code(char *out, size_t size)
{
    unsigned char raw[32];
    char *text;

    if (m365id__random(raw, sizeof(raw)) < 0)
        return -1;
    text = m365id__b64url_encode(raw, sizeof(raw));
    m365id__wipe(raw, sizeof(raw));
    if (text == NULL)
        return -1;
    snprintf(out, size, "%s", text);
    m365id__free_secret_str(text);
    return 0;
}

void emu_device_code_handle(struct httpd_reply *reply, const struct httpd_request *req,
                            struct emu *e, const struct emu_cloud *cloud, const char *tenant_key)
{
    struct emu_device_table *t = e->devices;
    struct httpd_form form = HTTPD_FORM_INIT;
    struct device_entry d;
    struct device_entry *slot = NULL;
    const struct emu_tenant *tenant;
    const char *client_id;
    const char *scope;
    char uri[160];
    char message[512];
    char fp[M365ID_FINGERPRINT_SIZE];
    long long now = m365id__now_s();
    struct m365id__quoted q;

    memset(&d, 0, sizeof(d));
    if (strcmp(req->method, "POST") != 0) {
        emu_aadsts_reply(reply, req, e, 900561, "invalid_request",
                         "The endpoint only accepts POST requests. Received a %s request.",
                         strcmp(req->method, "GET") == 0 ? "GET" : "non-POST");
        goto out;
    }
    if (httpd_form_parse(&form, req->body, req->body_len) < 0 ||
        httpd_form_find_nul(&form) != NULL) {
        emu_aadsts_reply(reply, req, e, 900144, "invalid_request",
                         "The request body must contain the following parameter: 'client_id'.");
        goto out;
    }

    m365id__quote(&q, tenant_key);
    tenant = emu_scenario_tenant(e->scn, cloud, tenant_key);
    if (tenant == NULL) {
        emu_aadsts_reply(reply, req, e, 90002, "invalid_tenant",
                         "Tenant '%s' not found (this authority serves cloud '%s').", q.text,
                         cloud->name);
        goto out;
    }
    client_id = httpd_form_get(&form, "client_id");
    if (client_id == NULL || client_id[0] == '\0') {
        emu_aadsts_reply(reply, req, e, 900144, "invalid_request",
                         "The request body must contain the following parameter: 'client_id'.");
        goto out;
    }
    d.app = emu_tenant_app(tenant, client_id);
    if (d.app == NULL) {
        m365id__quote(&q, client_id);
        emu_aadsts_reply(reply, req, e, 700016, "unauthorized_client",
                         "Application with identifier '%s' was not found in the directory '%s'.",
                         q.text, tenant->display_name);
        goto out;
    }
    scope = httpd_form_get(&form, "scope");
    if (scope == NULL || scope[0] == '\0') {
        emu_aadsts_reply(reply, req, e, 900144, "invalid_request",
                         "The request body must contain the following parameter: 'scope'.");
        goto out;
    }
    if (strlen(scope) > SCOPE_TEXT_MAX) {
        emu_aadsts_reply(reply, req, e, 70011, "invalid_scope",
                         "The provided value for the input parameter 'scope' is not valid: it "
                         "is longer than %d bytes.", SCOPE_TEXT_MAX);
        goto out;
    }
    if (parse_scopes(reply, req, e, cloud, d.app, scope, &d) < 0)
        goto out;

    d.used = 1;
    d.tenant = tenant;
    d.expires_at_s = now + e->scn->device_code_lifetime_s;
    d.interval_s = e->scn->device_code_interval_s;
    d.state = DEVICE_PENDING;
    if (make_user_code(d.user_code) < 0 ||
        make_device_code(d.device_code, sizeof(d.device_code)) < 0) {
        emu_reply_plain_error(reply, 500, "internal_error", "no random bytes for a device code");
        goto out;
    }

    pthread_mutex_lock(&t->lock);
    purge_expired(t, now);
    for (size_t i = 0; i < DEVICE_CODES_MAX && slot == NULL; i++) {
        if (!t->entries[i].used)
            slot = &t->entries[i];
    }
    if (slot != NULL)
        *slot = d;
    pthread_mutex_unlock(&t->lock);
    if (slot == NULL) {
        emu_reply_plain_error(reply, 503, "TooManyDeviceCodes",
                              "%d device codes are pending; approve, decline or let them expire",
                              DEVICE_CODES_MAX);
        goto out;
    }

    snprintf(uri, sizeof(uri), "%s%s", e->base_url, VERIFICATION_PATH);
    snprintf(message, sizeof(message),
             "To sign in, use a web browser to open the page %s and enter the code %s to "
             "authenticate.", uri, d.user_code);
    emu_reply_json(reply, 200,
                   json_pack("{s:s,s:s,s:s,s:I,s:I,s:s}", "user_code", d.user_code,
                             "device_code", d.device_code, "verification_uri", uri, "expires_in",
                             (json_int_t)e->scn->device_code_lifetime_s, "interval",
                             (json_int_t)d.interval_s, "message", message));
    reply->body_is_secret = 1;
    m365id_fingerprint(fp, sizeof(fp), d.device_code, strlen(d.device_code));
    httpd_reply_outcome(reply, "device code %s user code %s", fp, d.user_code);

out:
    m365id__wipe(&d, sizeof(d));
    httpd_form_clear(&form);
}

/* The pending entry of @p device_code for @p app, or NULL; called with the lock held. */
static struct device_entry *find_code(struct emu_device_table *t, const struct emu_app *app,
                                      const char *device_code)
{
    size_t len = strlen(device_code);

    for (size_t i = 0; i < DEVICE_CODES_MAX; i++) {
        struct device_entry *d = &t->entries[i];

        if (d->used && d->app == app && strlen(d->device_code) == len &&
            m365id__memcmp_const(d->device_code, device_code, len) == 0)
            return d;
    }
    return NULL;
}

void emu_device_token(struct sts_call *c, const struct emu_tenant *tenant,
                      const struct emu_app *app, const struct httpd_form *form)
{
    struct emu *e = c->e;
    struct emu_device_table *t = e->devices;
    struct emu_token_subject subject = {tenant, app->app_id, app->display_name, app->sp_id,
                                        NULL,   0,           "0",               NULL,
                                        NULL,   NULL};
    const char *device_code = httpd_form_get(form, "device_code");
    struct device_entry *d;
    struct device_entry copy;
    long long now = m365id__now_s();
    long long now_ms = m365id__monotonic_ms();
    long long lifetime = e->scn->access_token_lifetime_s;
    char fp[M365ID_FINGERPRINT_SIZE];
    char *jwt = NULL;
    char *text = NULL;
    json_t *body = NULL;
    enum { POLL_PENDING, POLL_SLOW_DOWN, POLL_EXPIRED, POLL_DECLINED, POLL_UNKNOWN, POLL_OK } poll;

    memset(&copy, 0, sizeof(copy));

    /* NOTE: Entra returns AADSTS7000218 when an application that does not allow public client
     * flows redeems a device code without a client credential. The emulator checks this before
     * the code's state, and does not accept a credential here at all. */
    if (!app->allow_public_client) {
        emu_aadsts_reply(c->reply, c->req, e, 7000218, "invalid_client",
                         "The request body must contain the following parameter: "
                         "'client_assertion' or 'client_secret'.");
        goto out;
    }
    if (device_code == NULL || device_code[0] == '\0') {
        emu_aadsts_reply(c->reply, c->req, e, 900144, "invalid_request",
                         "The request body must contain the following parameter: "
                         "'device_code'.");
        goto out;
    }

    pthread_mutex_lock(&t->lock);
    d = find_code(t, app, device_code);
    if (d == NULL) {
        poll = POLL_UNKNOWN;
    } else if (d->expires_at_s <= now) {
        poll = POLL_EXPIRED;
        memset(d, 0, sizeof(*d));
    } else if (d->state == DEVICE_DECLINED) {
        poll = POLL_DECLINED;
        memset(d, 0, sizeof(*d));
    } else if (d->state == DEVICE_APPROVED) {
        poll = POLL_OK;
        copy = *d;
        memset(d, 0, sizeof(*d)); /* a device code is redeemed once */
    } else if (d->last_poll_ms != 0 &&
               now_ms - d->last_poll_ms < d->interval_s * 1000 - POLL_TOLERANCE_MS) {
        poll = POLL_SLOW_DOWN;
        d->interval_s += SLOW_DOWN_STEP_S;
        d->last_poll_ms = now_ms;
    } else {
        poll = POLL_PENDING;
        d->last_poll_ms = now_ms;
    }
    pthread_mutex_unlock(&t->lock);

    switch (poll) {
    case POLL_UNKNOWN:
        emu_aadsts_reply(c->reply, c->req, e, 70000, "invalid_grant",
                         "The provided value for the input parameter 'device_code' is not "
                         "valid: no pending device code of application '%s' matches it.",
                         app->app_id);
        goto out;
    case POLL_EXPIRED:
        emu_aadsts_reply(c->reply, c->req, e, 70020, "expired_token",
                         "The provided value for the input parameter 'device_code' is not "
                         "valid. This device code has expired.");
        goto out;
    case POLL_DECLINED:
        /* NOTE: the code number is the emulator's choice; clients act on "error". */
        emu_aadsts_reply(c->reply, c->req, e, 70019, "authorization_declined",
                         "The user declined the sign-in request of application '%s'.",
                         app->app_id);
        goto out;
    case POLL_SLOW_DOWN:
        emu_aadsts_reply(c->reply, c->req, e, 70016, "slow_down",
                         "OAuth 2.0 device flow error. Polling too fast: wait at least the "
                         "interval between requests.");
        goto out;
    case POLL_PENDING:
        emu_aadsts_reply(c->reply, c->req, e, 70016, "authorization_pending",
                         "OAuth 2.0 device flow error. Authorization is pending. Continue "
                         "polling.");
        goto out;
    case POLL_OK:
    default:
        break;
    }

    subject.user = copy.user;
    subject.scp = copy.scp[0] != '\0' ? copy.scp : NULL;
    if (emu_access_token_sign(&jwt, NULL, e, &subject, copy.resource, lifetime) < 0)
        goto fail;
    body = json_pack("{s:s,s:s,s:I,s:I,s:s}", "token_type", "Bearer", "scope",
                     copy.scp, "expires_in", (json_int_t)lifetime, "ext_expires_in",
                     (json_int_t)lifetime, "access_token", jwt);
    text = body != NULL ? m365id__json_dump(body) : NULL;
    if (text == NULL)
        goto fail;
    httpd_reply_take(c->reply, 200, "application/json; charset=utf-8", text, strlen(text));
    c->reply->body_is_secret = 1;
    text = NULL;
    m365id_fingerprint(fp, sizeof(fp), jwt, strlen(jwt));
    httpd_reply_outcome(c->reply, "issued %s (delegated)", fp);
    emu_stats_add(&e->stats, EMU_STAT_TOKENS_ISSUED);
    goto out;

fail:
    emu_reply_plain_error(c->reply, 500, "internal_error", "could not sign the access token");

out:
    m365id__wipe(&copy, sizeof(copy));
    m365id__free_secret_str(jwt);
    json_decref(body);
}

/* The user of @p tenant with this id or userPrincipalName (any case), or NULL. */
static const struct emu_user *tenant_user(const struct emu_tenant *tenant, const char *key)
{
    for (size_t i = 0; i < tenant->user_count; i++) {
        const struct emu_user *u = &tenant->users[i];

        if (strcasecmp(u->upn, key) == 0 || strcasecmp(u->id, key) == 0)
            return u;
    }
    return NULL;
}

void emu_device_admin(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e,
                      int approve)
{
    struct emu_device_table *t = e->devices;
    json_t *body = NULL;
    const char *user_code = NULL;
    const char *user_key = NULL;
    const struct emu_user *user = NULL;
    struct device_entry *d = NULL;
    enum { ADMIN_OK, ADMIN_NO_CODE, ADMIN_NO_USER, ADMIN_DONE } result = ADMIN_NO_CODE;
    long long now = m365id__now_s();
    char why[256];
    char upn[256] = "";
    struct m365id__quoted q;

    if (strcmp(req->method, "POST") != 0) {
        m365id__quote(&q, req->method);
        emu_reply_plain_error(reply, 405, "MethodNotAllowed",
                              "this route needs POST, not '%s'", q.text);
        httpd_reply_add_header(reply, "Allow", "POST");
        goto out;
    }
    if (m365id__json_parse(&body, req->body, req->body_len, why, sizeof(why)) < 0 ||
        !json_is_object(body) ||
        m365id__json_get_str(&user_code, body, "user_code") != M365ID__JSON_OK ||
        m365id__json_get_str(&user_key, body, "user") != M365ID__JSON_OK) {
        emu_reply_plain_error(reply, 400, "BadRequest",
                              "the body must be a JSON object with the strings \"user_code\" "
                              "and \"user\" (a userPrincipalName or user id of the tenant)");
        goto out;
    }

    pthread_mutex_lock(&t->lock);
    purge_expired(t, now);
    for (size_t i = 0; i < DEVICE_CODES_MAX && d == NULL; i++) {
        /* Users type codes in any case. */
        if (t->entries[i].used && t->entries[i].expires_at_s > now &&
            strcasecmp(t->entries[i].user_code, user_code) == 0)
            d = &t->entries[i];
    }
    if (d != NULL) {
        user = tenant_user(d->tenant, user_key);
        if (user == NULL) {
            result = ADMIN_NO_USER;
        } else if (d->state != DEVICE_PENDING) {
            result = ADMIN_DONE;
        } else {
            d->state = approve ? DEVICE_APPROVED : DEVICE_DECLINED;
            d->user = user;
            snprintf(upn, sizeof(upn), "%s", user->upn);
            result = ADMIN_OK;
        }
    }
    pthread_mutex_unlock(&t->lock);

    m365id__quote(&q, user_code);
    switch (result) {
    case ADMIN_NO_CODE:
        emu_reply_plain_error(reply, 404, "NotFound",
                              "no pending device code has the user code '%s'; it may have "
                              "expired or been redeemed", q.text);
        break;
    case ADMIN_NO_USER: {
        struct m365id__quoted qu;

        m365id__quote(&qu, user_key);
        emu_reply_plain_error(reply, 400, "BadRequest",
                              "user '%s' is not a user of the tenant that user code '%s' "
                              "belongs to; use a userPrincipalName from the scenario", qu.text,
                              q.text);
        break;
    }
    case ADMIN_DONE:
        emu_reply_plain_error(reply, 409, "Conflict",
                              "user code '%s' was already approved or declined", q.text);
        break;
    default:
        emu_reply_json(reply, 200, json_pack("{s:s,s:s,s:s}", "user_code", user_code, "user", upn,
                                             "state", approve ? "approved" : "declined"));
        httpd_reply_outcome(reply, "device code %s %s by %s", q.text,
                            approve ? "approved" : "declined", upn);
        break;
    }

out:
    json_decref(body);
}
