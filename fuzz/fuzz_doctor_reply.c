/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * libFuzzer target: the replies that `m365id doctor` and `m365id setup` read from the cluster's
 * issuer, Microsoft Graph and the Kubernetes API, and the --federated-credential file. Each
 * input goes through the doctor's checks against a fixed token, then both reports are written.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/doctor/doctor_internal.h"
#include "fuzz_file.h"
#include "cli/doctor/kube_client.h"
#include "cli/setup/setup.h"
#include "util/buf.h"
#include "util/http_client.h"
#include "util/json.h"
#include "util/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The document the body is read as; the first input byte picks it. */
enum reply_kind {
    REPLY_DISCOVERY,       /* the issuer's /.well-known/openid-configuration */
    REPLY_JWKS,            /* the JWKS that jwks_uri names */
    REPLY_GRAPH_FICS,      /* Graph's federatedIdentityCredentials collection */
    REPLY_FIC_FILE,        /* --federated-credential FILE */
    REPLY_SETUP_DISCOVERY, /* the API server's discovery document, read by setup */
    REPLY_KUBE,            /* any Kubernetes API reply of the doctor */
    REPLY_KIND_COUNT
};

/* The token the doctor compares the documents with: its claims and the pod it belongs to. */
struct claim_set {
    const char *iss;     /* NULL: claim absent */
    const char *sub;     /* NULL: claim absent */
    const char *aud[3];  /* ends at NULL: aud[0] NULL means no "aud" claim */
    int aud_is_string;   /* "aud" as one string instead of an array */
    const char *kid;     /* NULL: header member absent */
    const char *alg;
    const char *pod_ns;  /* "" when the manifest names no namespace */
    const char *pod_account;
    const char *cloud;
    const char *expected_audience;
};

#define AKS_ISSUER                                                                              \
    "https://eastus.oic.prod-aks.azure.com/11111111-1111-1111-1111-111111111111/"               \
    "33333333-3333-3333-3333-333333333333"
#define EKS_ISSUER "https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E"
#define EXCHANGE_AUDIENCE "api://AzureADTokenExchange"
#define AZWI_KID "2A3FPpix2keOV1SGPQiM0_wVemz4XOIgQyJJnpu5sPE"

static const struct claim_set claim_sets[] = {
    /* AKS publishes its issuer with a trailing '/'. */
    {AKS_ISSUER "/", "system:serviceaccount:team-a:graph-app", {EXCHANGE_AUDIENCE}, 0, AZWI_KID,
     "RS256", "team-a", "graph-app", "public", EXCHANGE_AUDIENCE},
    /* The same issuer without the '/', and a pod that runs as another account. */
    {AKS_ISSUER, "system:serviceaccount:team-a:graph-app", {EXCHANGE_AUDIENCE}, 1, AZWI_KID,
     "RS256", "team-a", "other-app", "public", EXCHANGE_AUDIENCE},
    {EKS_ISSUER, "system:serviceaccount:default:my-sa", {EXCHANGE_AUDIENCE}, 1, "EXAMPLEkid",
     "RS256", "", "my-sa", "public", EXCHANGE_AUDIENCE},
    /* Case-only differences from the EKS seeds in issuer, subject and audience. */
    {"https://oidc.eks.us-west-2.amazonaws.com/id/exampled539d4633e53de1b716d3041e",
     "system:serviceaccount:Default:my-sa", {"API://AzureADTokenExchange"}, 0, "examplekid",
     "RS256", "default", "my-sa", "public", EXCHANGE_AUDIENCE},
    /* A self-managed cluster's default issuer, an EC key and two audiences. */
    {"https://kubernetes.default.svc.cluster.local", "system:serviceaccount:kube-system:builder",
     {"https://kubernetes.default.svc.cluster.local", "api://AzureADTokenExchangeChina"}, 0,
     "ec-1", "ES256", "kube-system", "builder", "china", "api://AzureADTokenExchangeChina"},
    /* No kid, alg "none", an empty audience list. */
    {"https://issuer.example.com/", "system:serviceaccount:team-a:graph-app", {NULL}, 0, NULL,
     "none", "", "", "public", EXCHANGE_AUDIENCE},
    /* A subject that does not name a ServiceAccount. */
    {"https://token.actions.githubusercontent.com", "repo:contoso/app:ref:refs/heads/main",
     {EXCHANGE_AUDIENCE}, 0, "gh", "RS256", "team-a", "graph-app", "public", EXCHANGE_AUDIENCE},
    /* A token without issuer and subject: the comparisons skip. */
    {NULL, NULL, {NULL}, 0, "x", "PS256", "team-a", "graph-app", "public", EXCHANGE_AUDIENCE},
};

#define CLAIM_SET_COUNT (sizeof(claim_sets) / sizeof(claim_sets[0]))

/*
 * Marker of secret values. The token file's content carries it, and so may the private
 * members of a JWK in the input. Neither may ever reach a report or an error message.
 */
#define CANARY "CANARY"

/* The token file's content: the doctor decodes it but must never print it. */
#define ASSERTION "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnCANARY"

/* JWK members that hold private key material (RFC 7518 sections 6.2.2, 6.3.2 and 6.4). */
static const char *const private_members[] = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"};

static char dir[64];
static char fic_path[128];

static void remove_fic_file(void)
{
    unlink(fic_path);
    rmdir(dir);
}

static int bytes_contain(const uint8_t *data, size_t size, const char *needle)
{
    size_t len = strlen(needle);

    for (size_t i = 0; i + len <= size; i++) {
        if (memcmp(data + i, needle, len) == 0)
            return 1;
    }
    return 0;
}

static int is_private_member(const char *key)
{
    for (size_t i = 0; i < sizeof(private_members) / sizeof(private_members[0]); i++) {
        if (strcmp(key, private_members[i]) == 0)
            return 1;
    }
    return 0;
}

/*
 * Whether CANARY occurs in @p value outside the private members of JWKs: in a key, a string
 * value or a number. Only when it does not may a report show it, so only then is its
 * absence from the reports a property.
 */
static int canary_public(const json_t *value)
{
    const char *key;
    json_t *member;
    size_t i;

    switch (json_typeof(value)) {
    case JSON_STRING:
        return strstr(json_string_value(value), CANARY) != NULL;
    case JSON_OBJECT:
        json_object_foreach((json_t *)value, key, member) {
            if (strstr(key, CANARY) != NULL)
                return 1;
            if (!is_private_member(key) && canary_public(member))
                return 1;
        }
        return 0;
    case JSON_ARRAY:
        json_array_foreach(value, i, member) {
            if (canary_public(member))
                return 1;
        }
        return 0;
    default:
        return 0;
    }
}

/*
 * Whether a string of the JSON report contains @p needle. The strings are searched, not the
 * dump: jansson writes "\u001C" for U+001C, and a public "\x1cANARY" would then read CANARY.
 */
static int report_has_text(const json_t *value, const char *needle)
{
    const char *key;
    json_t *member;
    size_t i;

    switch (json_typeof(value)) {
    case JSON_STRING:
        return strstr(json_string_value(value), needle) != NULL;
    case JSON_OBJECT:
        json_object_foreach((json_t *)value, key, member) {
            if (report_has_text(member, needle))
                return 1;
        }
        return 0;
    case JSON_ARRAY:
        json_array_foreach(value, i, member) {
            if (report_has_text(member, needle))
                return 1;
        }
        return 0;
    default:
        return 0;
    }
}

/* A JSON object of the token's claims, or of its header when @p header is nonzero. */
static json_t *token_json(const struct claim_set *t, int header)
{
    json_t *obj = json_object();
    json_t *aud;

    if (obj == NULL)
        abort();
    if (header) {
        if (t->kid != NULL)
            json_object_set_new(obj, "kid", json_string(t->kid));
        json_object_set_new(obj, "alg", json_string(t->alg));
        return obj;
    }
    if (t->iss != NULL)
        json_object_set_new(obj, "iss", json_string(t->iss));
    if (t->sub != NULL)
        json_object_set_new(obj, "sub", json_string(t->sub));
    if (t->aud_is_string) {
        json_object_set_new(obj, "aud", json_string(t->aud[0]));
    } else if (t->aud[0] != NULL) {
        aud = json_array();
        for (size_t i = 0; i < 3 && t->aud[i] != NULL; i++)
            json_array_append_new(aud, json_string(t->aud[i]));
        json_object_set_new(obj, "aud", aud);
    }
    json_object_set_new(obj, "exp", json_integer(1893459600));
    return obj;
}

static int token_has_audience(const struct claim_set *t, const char *aud)
{
    for (size_t i = 0; i < 3 && t->aud[i] != NULL; i++) {
        if (strcmp(t->aud[i], aud) == 0)
            return 1;
    }
    return 0;
}

/* Whether credential @p fic names the token's issuer, subject and an audience exactly. */
static int fic_matches(const json_t *fic, const struct claim_set *t)
{
    const json_t *aud;
    size_t i;

    if (!json_is_object(fic) || t->iss == NULL || t->sub == NULL)
        return 0;
    if (!json_is_string(json_object_get(fic, "issuer")) ||
        strcmp(json_string_value(json_object_get(fic, "issuer")), t->iss) != 0 ||
        !json_is_string(json_object_get(fic, "subject")) ||
        strcmp(json_string_value(json_object_get(fic, "subject")), t->sub) != 0)
        return 0;
    json_array_foreach(json_object_get(fic, "audiences"), i, aud) {
        if (json_is_string(aud) && token_has_audience(t, json_string_value(aud)))
            return 1;
    }
    return 0;
}

/*
 * Check facts->fic_match against an exact comparison of @p fics, which Entra ID makes: the
 * doctor may report a match only when one credential equals the token byte for byte.
 */
static void check_fic_match(const struct doctor_facts *facts, const json_t *fics,
                            const struct claim_set *t)
{
    const json_t *fic;
    int expected = 0;
    size_t i;

    if (fics == NULL || t->iss == NULL || t->sub == NULL) {
        if (facts->fic_match != -1)
            abort();
        return;
    }
    json_array_foreach(fics, i, fic) {
        if (fic_matches(fic, t))
            expected = 1;
    }
    if (facts->fic_match != expected)
        abort();
}

static int is_status_name(const char *s)
{
    return s != NULL && (strcmp(s, "pass") == 0 || strcmp(s, "skip") == 0 ||
                         strcmp(s, "warn") == 0 || strcmp(s, "fail") == 0);
}

/* A string member of a finding or evidence row: present, and cut to DOCTOR_TEXT_MAX. */
static void check_text(const json_t *obj, const char *key, int nullable)
{
    const json_t *value = json_object_get(obj, key);

    if (nullable && json_is_null(value))
        return;
    if (!json_is_string(value) || json_string_length(value) >= DOCTOR_TEXT_MAX)
        abort();
}

/* Every check of the JSON report has a known status, and every finding bounded text. */
static void check_report_json(const json_t *report)
{
    const json_t *checks = json_object_get(report, "checks");
    const json_t *check;
    const json_t *finding;
    const json_t *row;
    size_t i, j, k;

    if (!json_is_array(checks))
        abort();
    json_array_foreach(checks, i, check) {
        if (!is_status_name(json_string_value(json_object_get(check, "status"))))
            abort();
        json_array_foreach(json_object_get(check, "findings"), j, finding) {
            if (!is_status_name(json_string_value(json_object_get(finding, "status"))))
                abort();
            check_text(finding, "message", 0);
            check_text(finding, "fix", 1);
            json_array_foreach(json_object_get(finding, "evidence"), k, row) {
                check_text(row, "name", 0);
                check_text(row, "value", 0);
            }
        }
    }
}

/*
 * The text report and error messages reach a terminal: valid UTF-8, and no control character
 * but the line ends, neither C0, DEL nor C1 (U+0080 to U+009F, which some terminals obey as
 * escape sequences).
 */
static void check_terminal_text(const char *text)
{
    size_t count;

    if (setup_utf8_length(&count, text) < 0)
        abort();
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
            abort();
        if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
            abort();
    }
}

/* Read the body as the issuer's discovery document, as check "issuer" does. */
static void run_discovery(struct doctor *d, const struct claim_set *t,
                          const struct m365id__http_response *resp)
{
    struct doctor_check *c = doctor_check_begin(d, "issuer", "the token's issuer, its "
                                                "discovery document and JWKS", 1);
    json_t *discovery = doctor_issuer_read_reply(c, "discovery document",
                                                 "fuzz://issuer.invalid/.well-known/"
                                                 "openid-configuration",
                                                 resp);
    const char *jwks_uri;

    if (discovery == NULL || t->iss == NULL)
        goto out;
    jwks_uri = doctor_issuer_check_discovery(c, t->iss, discovery);
    if (jwks_uri != NULL && jwks_uri != json_string_value(json_object_get(discovery, "jwks_uri")))
        abort();

out:
    json_decref(discovery);
}

/* Read the body as the JWKS and look up the token's key, as check "issuer" does. */
static void run_jwks(struct doctor *d, const struct m365id__http_response *resp)
{
    struct doctor_check *c = doctor_check_begin(d, "issuer", "the token's issuer, its "
                                                "discovery document and JWKS", 1);
    json_t *jwks = doctor_issuer_read_reply(c, "JWKS", "fuzz://issuer.invalid/openid/v1/jwks",
                                            resp);

    if (jwks != NULL)
        doctor_issuer_check_jwks(c, jwks, doctor_facts(d)->assertion_header);
    json_decref(jwks);
}

/* Read the body as Graph's list of the application's credentials, then compare them. */
static void run_graph_fics(struct doctor *d, const struct claim_set *t, const char *body,
                           size_t size)
{
    struct doctor_check *c = doctor_check_begin(d, "federated-credential",
                                                "federated identity credential", 1);
    json_t *fics;
    char why[512];

    fics = doctor_fic_graph_value(body, size,
                                  "/v1.0/applications/44444444-4444-4444-4444-444444444444/"
                                  "federatedIdentityCredentials",
                                  why, sizeof(why));
    if (fics == NULL && (memchr(why, '\0', sizeof(why)) == NULL || why[0] == '\0'))
        abort();
    doctor_fic_compare(d, c, fics);
    check_fic_match(doctor_facts(d), fics, t);
    json_decref(fics);
}

/* Run check "federated-credential" on the body as --federated-credential FILE. */
static void run_fic_file(struct doctor *d, const struct claim_set *t, const uint8_t *data,
                         size_t size)
{
    const struct doctor_facts *facts = doctor_facts(d);
    char ns[254];
    char name[254];
    const char *fic_name = NULL;

    if (fuzz_file_write(fic_path, data, size) < 0)
        abort();
    doctor_check_fic(d);
    if (facts->fic_file_state == 1)
        check_fic_match(facts, facts->fics, t);
    else if (facts->fic_file_state != -1 || facts->fic_file_error[0] == '\0')
        abort();

    /* The lookups check "pod" makes on the same file. */
    (void)doctor_fic_trusts(d, t->pod_ns, t->pod_account);
    if (doctor_fic_trusted_account(d, ns, sizeof(ns), name, sizeof(name), &fic_name) &&
        fic_name == NULL)
        abort();
}

/* Read the body as setup reads the API server's discovery document. */
static void run_setup_discovery(const struct m365id__http_response *resp, char **errors,
                                size_t *errors_len)
{
    FILE *saved = stderr;
    FILE *capture = open_memstream(errors, errors_len);
    char *issuer = NULL;
    int status;

    if (capture == NULL)
        abort();
    /* NOTE: glibc declares stderr as a variable, so the messages of cli_fail() can be
     * captured here and checked like the reports. */
    stderr = capture;
    status = setup_issuer_from_reply(&issuer,
                                     "https://10.0.0.1:443/.well-known/openid-configuration",
                                     "/var/run/secrets/kubernetes.io/serviceaccount/token",
                                     resp);
    stderr = saved;
    if (fclose(capture) != 0)
        abort();

    /* Success returns the issuer it checked; a failure returns none and prints the reason. */
    if ((status == 0) != (issuer != NULL) || (status != 0 && *errors_len == 0))
        abort();
    if (issuer != NULL && setup_check_issuer("fuzz", issuer) != 0)
        abort();
    free(issuer);
}

static void run_kube(const struct m365id__http_response *resp)
{
    json_t *reply = NULL;
    long status = 0;
    char why[256] = "";

    doctor_kube_read_reply(&reply, &status, "https://10.0.0.1:443/api/v1/namespaces/team-a/pods",
                           resp, why, sizeof(why));
    if (status != resp->status || (reply == NULL && resp->body.len > 0 && why[0] == '\0'))
        abort();
    json_decref(reply);
}

/* A run whose facts are those of claim set @p t, as checks config, token-file and pod leave. */
static struct doctor *doctor_for(const struct claim_set *t, enum reply_kind kind)
{
    struct doctor_options options;
    struct doctor *d;
    struct doctor_facts *facts;

    memset(&options, 0, sizeof(options));
    options.offline = 1;
    if (kind == REPLY_FIC_FILE)
        options.fic_file = fic_path;
    d = doctor_new(&options);
    facts = doctor_facts(d);
    facts->assertion = strdup(ASSERTION);
    facts->assertion_header = token_json(t, 1);
    facts->assertion_claims = token_json(t, 0);
    facts->cloud = t->cloud;
    facts->expected_audience = t->expected_audience;
    snprintf(facts->pod_namespace, sizeof(facts->pod_namespace), "%s", t->pod_ns);
    snprintf(facts->pod_account, sizeof(facts->pod_account), "%s", t->pod_account);
    snprintf(facts->pod_account_path, sizeof(facts->pod_account_path),
             "deployment.yaml:14 spec.template.spec.serviceAccountName");
    snprintf(facts->pod_who, sizeof(facts->pod_who), "Deployment %s%sgraph-app", t->pod_ns,
             t->pod_ns[0] != '\0' ? "/" : "");
    if (facts->assertion == NULL)
        abort();
    return d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct m365id__http_response resp = M365ID__HTTP_RESPONSE_INIT;
    const struct claim_set *t;
    enum reply_kind kind;
    struct doctor *d = NULL;
    json_t *input = NULL;
    json_t *report = NULL;
    char *report_dump = NULL;
    char *text = NULL;
    size_t text_len = 0;
    char *errors = NULL;
    size_t errors_len = 0;
    FILE *fp;

    if (dir[0] == '\0') {
        snprintf(dir, sizeof(dir), "/tmp/m365id-fuzz-XXXXXX");
        if (mkdtemp(dir) == NULL)
            abort();
        snprintf(fic_path, sizeof(fic_path), "%s/federated-credentials.json", dir);
        atexit(remove_fic_file);
    }
    if (size == 0)
        return 0;
    kind = (enum reply_kind)(data[0] % REPLY_KIND_COUNT);
    t = &claim_sets[(data[0] / REPLY_KIND_COUNT) % CLAIM_SET_COUNT];
    data++;
    size--;

    resp.status = 200;
    resp.content_type = strdup("application/json");
    resp.body.max = M365ID_OIDC_DOC_MAX;
    if (resp.content_type == NULL)
        abort();
    if (m365id__buf_put(&resp.body, data, size) < 0)
        goto out;

    d = doctor_for(t, kind);
    switch (kind) {
    case REPLY_DISCOVERY:
        run_discovery(d, t, &resp);
        break;
    case REPLY_JWKS:
        run_jwks(d, &resp);
        break;
    case REPLY_GRAPH_FICS:
        run_graph_fics(d, t, m365id__buf_cstr(&resp.body), resp.body.len);
        break;
    case REPLY_FIC_FILE:
        run_fic_file(d, t, data, size);
        break;
    case REPLY_SETUP_DISCOVERY:
        run_setup_discovery(&resp, &errors, &errors_len);
        break;
    case REPLY_KUBE:
        run_kube(&resp);
        break;
    case REPLY_KIND_COUNT:
        abort();
    }

    /* Both reports, as `m365id doctor` and `m365id doctor -o json` print them. */
    if ((fp = open_memstream(&text, &text_len)) == NULL)
        abort();
    if (doctor_report_text(fp, d) != 0 || fclose(fp) != 0)
        abort();
    report = doctor_report_json(d);
    check_report_json(report);
    report_dump = json_dumps(report, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (report_dump == NULL)
        abort();
    check_terminal_text(text);
    if (errors != NULL)
        check_terminal_text(errors);

    /*
     * No secret may reach the output: neither the token's CANARY nor one in a private JWK
     * member of the input. The output may show CANARY only when the input carries it in a
     * public place too, as a decoded JSON string or, when the input is not JSON, anywhere
     * (a parse error may quote the input).
     */
    if (m365id__json_parse(&input, (const char *)data, size, NULL, 0) == 0
            ? !canary_public(input)
            : !bytes_contain(data, size, CANARY)) {
        if (strstr(text, CANARY) != NULL || report_has_text(report, CANARY) ||
            (errors != NULL && strstr(errors, CANARY) != NULL))
            abort();
    }

out:
    json_decref(input);
    json_decref(report);
    free(report_dump);
    free(text);
    free(errors);
    doctor_free(d);
    m365id__http_response_clear(&resp);
    return 0;
}
