/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Check "federated-credential": compare the token's issuer, subject and audience with each
 * federated identity credential, exactly and case-sensitively as Entra ID does, and explain
 * the nearest one when none matches. Credentials come from --federated-credential FILE or
 * from Microsoft Graph (the application's own federatedIdentityCredentials).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/doctor/doctor.h"
#include "cli/doctor/doctor_internal.h"
#include "cli/doctor/input.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/jwt.h"
#include "util/strutil.h"

/* `az ad app federated-credential list` prints about 400 bytes per credential, and an
 * application has at most 20 (an Entra ID limit), so 1 MiB bounds a wrong file. */
#define FIC_FILE_MAX (1024u * 1024u)

/* Audiences read from the token; Kubernetes tokens usually carry one. */
#define TOKEN_AUDIENCES_MAX 16

#define SUBJECT_PREFIX "system:serviceaccount:"

/* The token's side of the comparison. */
struct token_claims {
    const char *iss;
    const char *sub;
    const char *aud[TOKEN_AUDIENCES_MAX];
    size_t aud_count;
};

/* --- loading --- */

/* Accept the list `az` prints, one credential object, or a Graph reply {"value": [...]}. */
static json_t *credentials_from(json_t *doc)
{
    json_t *value = json_object_get(doc, "value");

    if (json_is_array(doc))
        return json_incref(doc);
    if (json_is_array(value))
        return json_incref(value);
    if (json_is_object(doc) && json_object_get(doc, "issuer") != NULL) {
        json_t *list = json_array();

        if (list != NULL)
            json_array_append(list, doc);
        return list;
    }
    return NULL;
}

/* Read @p path; NULL with @p why set when it is unusable. */
static json_t *load_file(const char *path, char *why, size_t why_size)
{
    struct m365id__buf buf = M365ID__BUF_INIT(FIC_FILE_MAX);
    json_t *doc = NULL, *list = NULL;
    char detail[512];
    int err = 0;

    /* A pipe is read only as /dev/fd/N (process substitution), so a FIFO never blocks. */
    if (doctor_input_read(&buf, path, 1, &err, detail, sizeof(detail)) < 0) {
        snprintf(why, why_size, "--federated-credential: %s", detail);
        goto out;
    }
    if (m365id__json_parse(&doc, m365id__buf_cstr(&buf), buf.len, detail, sizeof(detail)) < 0) {
        snprintf(why, why_size, "--federated-credential '%s' is not JSON: %s", path, detail);
        goto out;
    }
    if ((list = credentials_from(doc)) == NULL) {
        snprintf(why, why_size, "--federated-credential '%s' holds neither a list of "
                 "credentials nor one credential object", path);
    }

out:
    json_decref(doc);
    m365id__buf_clear(&buf);
    return list;
}

const json_t *doctor_fic_file(struct doctor *d)
{
    struct doctor_facts *facts = doctor_facts(d);
    const char *path = doctor_options(d)->fic_file;
    json_t *list;

    if (path == NULL || facts->fic_file_state < 0)
        return NULL;
    if (facts->fic_file_state > 0)
        return facts->fics;
    list = load_file(path, facts->fic_file_error, sizeof(facts->fic_file_error));
    if (list == NULL) {
        facts->fic_file_state = -1;
        return NULL;
    }
    json_decref(facts->fics);
    facts->fics = list;
    facts->fic_file_state = 1;
    return list;
}

json_t *doctor_fic_graph_value(const char *body, size_t body_len, const char *path, char *why,
                               size_t why_size)
{
    json_t *doc = NULL, *list = NULL;

    if (m365id__json_parse(&doc, body, body_len, why, why_size) == 0) {
        list = json_incref(json_object_get(doc, "value"));
        if (!json_is_array(list)) {
            json_decref(list);
            list = NULL;
            snprintf(why, why_size, "the Graph reply to %s has no \"value\" list", path);
        }
    }
    json_decref(doc);
    return list;
}

/* GET @p path from Graph and return its "value" array; on failure set @p why. */
static json_t *graph_list(m365id_ctx *ctx, const char *path, char *why, size_t why_size)
{
    m365id_graph_response *resp = NULL;
    json_t *list;
    int rc;

    if ((rc = m365id_graph_request(&resp, ctx, "GET", path, NULL, 0, M365ID_GRAPH_ALL_PAGES)) <
        0) {
        const m365id_error *err = m365id_last_error(ctx);

        snprintf(why, why_size, "%s%s", rc == M365ID_EAUTH ? "no Graph token: " : "",
                 err != NULL && err->message != NULL ? err->message : m365id_strerror(rc));
        return NULL;
    }
    list = doctor_fic_graph_value(m365id_graph_response_body(resp),
                                  m365id_graph_response_body_len(resp), path, why, why_size);
    m365id_graph_response_free(resp);
    return list;
}

/*
 * Read the application's credentials through Graph with a context of its own, so that the
 * exchange check that runs next still makes its own request. Returns NULL with @p why set.
 */
static json_t *load_graph(struct doctor *d, char *why, size_t why_size)
{
    const struct doctor_options *opts = doctor_options(d);
    const struct doctor_facts *facts = doctor_facts(d);
    m365id_ctx *ctx = NULL;
    json_t *apps = NULL, *list = NULL;
    const char *object_id;
    char path[256];

    if (facts->client_id == NULL || !m365id__is_guid(facts->client_id)) {
        snprintf(why, why_size, "no client id is configured");
        return NULL;
    }
    if (cli_ctx_open(&ctx, opts->cli) != CLI_EXIT_OK) {
        snprintf(why, why_size, "the configuration could not be loaded");
        return NULL;
    }
    /* One attempt: a failing exchange is the exchange check's to explain. */
    if (m365id_ctx_set(ctx, "client_options.max_retries", "0", "doctor") < 0 ||
        m365id_ctx_configure(ctx) < 0) {
        snprintf(why, why_size, "the configuration could not be loaded");
        goto out;
    }
    snprintf(path, sizeof(path),
             "/v1.0/applications?$filter=appId%%20eq%%20%%27%s%%27",
             facts->client_id);
    if ((apps = graph_list(ctx, path, why, why_size)) == NULL)
        goto out;
    /* NOTE: a user-assigned managed identity has no application object, and its credentials
     * live in Azure Resource Manager, which the doctor does not query. */
    object_id = json_string_value(json_object_get(json_array_get(apps, 0), "id"));
    if (object_id == NULL || !m365id__is_guid(object_id)) {
        snprintf(why, why_size,
                 "Graph lists no application with appId %s; a user-assigned managed identity "
                 "keeps its federated credentials in Azure Resource Manager (az identity "
                 "federated-credential list)",
                 facts->client_id);
        goto out;
    }
    snprintf(path, sizeof(path), "/v1.0/applications/%s/federatedIdentityCredentials",
             object_id);
    list = graph_list(ctx, path, why, why_size);

out:
    json_decref(apps);
    m365id_ctx_free(ctx);
    return list;
}

/* --- comparison --- */

static const char *fic_str(const json_t *fic, const char *key)
{
    return json_string_value(json_object_get(fic, key));
}

static const char *fic_name(const json_t *fic)
{
    const char *name = fic_str(fic, "name");

    return name != NULL ? name : "(unnamed)";
}

/* Nonzero when one of the credential's audiences is one of the token's, exactly. */
static int audience_matches(const json_t *fic, const struct token_claims *t)
{
    json_t *aud;
    size_t i;

    json_array_foreach(json_object_get(fic, "audiences"), i, aud) {
        const char *value = json_string_value(aud);

        for (size_t j = 0; value != NULL && j < t->aud_count; j++) {
            if (strcmp(value, t->aud[j]) == 0)
                return 1;
        }
    }
    return 0;
}

static int str_eq(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* Fields of @p fic equal to the token's: issuer, subject and audience count one each. */
static int score(const json_t *fic, const struct token_claims *t)
{
    return str_eq(fic_str(fic, "issuer"), t->iss) + str_eq(fic_str(fic, "subject"), t->sub) +
           audience_matches(fic, t);
}

/* Split "system:serviceaccount:NS:SA" into its namespace and account; 0 when not that form. */
static int split_subject(const char *sub, char *ns, size_t ns_size, const char **account)
{
    const char *rest, *colon;

    if (sub == NULL || !m365id__starts_with(sub, SUBJECT_PREFIX))
        return 0;
    rest = sub + strlen(SUBJECT_PREFIX);
    if ((colon = strchr(rest, ':')) == NULL || (size_t)(colon - rest) >= ns_size)
        return 0;
    memcpy(ns, rest, (size_t)(colon - rest));
    ns[colon - rest] = '\0';
    *account = colon + 1;
    return 1;
}

int doctor_fic_trusts(struct doctor *d, const char *ns, const char *name)
{
    const json_t *fics = doctor_fic_file(d);
    const json_t *fic;
    size_t i;

    if (fics == NULL)
        return -1;
    json_array_foreach(fics, i, fic) {
        char fic_ns[254];
        const char *fic_sa = NULL;

        if (!split_subject(fic_str(fic, "subject"), fic_ns, sizeof(fic_ns), &fic_sa))
            continue;
        if (strcmp(fic_sa, name) == 0 && (ns == NULL || ns[0] == '\0' || strcmp(fic_ns, ns) == 0))
            return 1;
    }
    return 0;
}

int doctor_fic_trusted_account(struct doctor *d, char *ns, size_t ns_size, char *name,
                               size_t name_size, const char **fic_name_out)
{
    const json_t *fics = doctor_fic_file(d);
    const json_t *fic;
    size_t i;

    json_array_foreach(fics, i, fic) {
        const char *account = NULL;

        if (!split_subject(fic_str(fic, "subject"), ns, ns_size, &account))
            continue;
        snprintf(name, name_size, "%s", account);
        *fic_name_out = fic_name(fic);
        return 1;
    }
    return 0;
}

static void explain_issuer(struct doctor_check *c, const char *token_iss, const char *fic_iss)
{
    size_t lt = strlen(token_iss), lf = strlen(fic_iss);
    char fix[700];

    snprintf(fix, sizeof(fix),
             "set the federated credential's issuer to exactly '%s'; Entra ID compares "
             "issuers as exact strings",
             token_iss);
    if (lf == lt + 1 && fic_iss[lt] == '/' && strncmp(token_iss, fic_iss, lt) == 0) {
        doctor_finding(c, DOCTOR_FAIL, fix,
                       "issuer differs only by a trailing '/': the federated credential's "
                       "issuer has it, the token's issuer does not");
    } else if (lt == lf + 1 && token_iss[lf] == '/' && strncmp(token_iss, fic_iss, lf) == 0) {
        doctor_finding(c, DOCTOR_FAIL, fix,
                       "issuer differs only by a trailing '/': the token's issuer has it, the "
                       "federated credential's issuer does not");
    } else if (strcasecmp(token_iss, fic_iss) == 0) {
        doctor_finding(c, DOCTOR_FAIL, fix, "issuer differs only in case");
    } else {
        doctor_finding(c, DOCTOR_FAIL, fix, "issuer differs");
    }
    doctor_evidence(c, "token iss", "%s", token_iss);
    doctor_evidence(c, "credential issuer", "%s", fic_iss);
}

static void explain_subject(struct doctor_check *c, const char *token_sub, const char *fic_sub)
{
    char token_ns[256], fic_ns[256], parts[700], fix[900];
    const char *token_sa = NULL, *fic_sa = NULL;
    int both = split_subject(token_sub, token_ns, sizeof(token_ns), &token_sa) &&
               split_subject(fic_sub, fic_ns, sizeof(fic_ns), &fic_sa);

    if (both) {
        snprintf(fix, sizeof(fix),
                 "set the federated credential's subject to exactly '%s', or run the workload "
                 "as service account %s in namespace %s",
                 token_sub, fic_sa, fic_ns);
    } else {
        snprintf(fix, sizeof(fix), "set the federated credential's subject to exactly '%s'",
                 token_sub);
    }

    if (strcasecmp(token_sub, fic_sub) == 0) {
        doctor_finding(c, DOCTOR_FAIL, fix,
                       "subject differs only in case; Entra ID compares subjects "
                       "case-sensitively");
    } else if (both) {
        size_t n = 0;

        parts[0] = '\0';
        if (strcmp(token_ns, fic_ns) != 0)
            n += (size_t)snprintf(parts, sizeof(parts), "namespace: %s != %s", token_ns,
                                  fic_ns);
        if (strcmp(token_sa, fic_sa) != 0 && n < sizeof(parts))
            snprintf(parts + n, sizeof(parts) - n, "%sservice account: %s != %s",
                     n > 0 ? "; " : "", token_sa, fic_sa);
        doctor_finding(c, DOCTOR_FAIL, fix, "subject differs (token != credential): %s", parts);
    } else {
        doctor_finding(c, DOCTOR_FAIL, fix, "subject differs");
    }
    doctor_evidence(c, "token sub", "%s", token_sub);
    doctor_evidence(c, "credential subject", "%s", fic_sub);
}

static void explain_audience(struct doctor *d, struct doctor_check *c, const json_t *fic,
                             const struct token_claims *t)
{
    const struct doctor_facts *facts = doctor_facts(d);
    const char *expected = facts->expected_audience;
    const char *cloud = facts->cloud != NULL ? facts->cloud : "configured";
    json_t *audiences = json_object_get(fic, "audiences");
    const char *fic_aud = json_string_value(json_array_get(audiences, 0));
    int token_expected = 0, fic_expected = 0, case_only = 0;
    char fix[700];
    json_t *aud;
    size_t i;

    for (size_t j = 0; expected != NULL && j < t->aud_count; j++)
        token_expected |= strcmp(t->aud[j], expected) == 0;
    json_array_foreach(audiences, i, aud) {
        const char *value = json_string_value(aud);

        fic_expected |= str_eq(value, expected);
        for (size_t j = 0; value != NULL && j < t->aud_count; j++)
            case_only |= strcasecmp(value, t->aud[j]) == 0;
    }

    if (fic_expected && !token_expected) {
        snprintf(fix, sizeof(fix),
                 "project the token with audience '%s' (the serviceAccountToken audience, or "
                 "the webhook's --audience)",
                 expected);
        doctor_finding(c, DOCTOR_FAIL, fix,
                       "audience differs: the credential uses the %s cloud's audience, the "
                       "token does not",
                       cloud);
    } else if (token_expected && !fic_expected) {
        snprintf(fix, sizeof(fix), "set the federated credential's audiences to [\"%s\"]",
                 expected);
        doctor_finding(c, DOCTOR_FAIL, fix,
                       "audience differs: the token has the %s cloud's audience, the "
                       "credential does not",
                       cloud);
    } else {
        snprintf(fix, sizeof(fix),
                 "give the token and the federated credential the same audience%s%s%s",
                 expected != NULL ? ", normally '" : "", expected != NULL ? expected : "",
                 expected != NULL ? "'" : "");
        doctor_finding(c, DOCTOR_FAIL, fix, "audience differs%s",
                       case_only ? " only in case; Entra ID compares it case-sensitively" : "");
    }
    for (size_t j = 0; j < t->aud_count; j++)
        doctor_evidence(c, "token aud", "%s", t->aud[j]);
    if (t->aud_count == 0)
        doctor_evidence(c, "token aud", "(none)");
    doctor_evidence(c, "credential audience", "%s", fic_aud != NULL ? fic_aud : "(none)");
    if (expected != NULL)
        doctor_evidence(c, "expected", "%s (cloud %s)", expected, cloud);
}

static void compare(struct doctor *d, struct doctor_check *c, const json_t *fics,
                    const struct token_claims *t)
{
    struct doctor_facts *facts = doctor_facts(d);
    const json_t *best = NULL, *fic;
    int best_score = -1;
    char fix[900];
    size_t i;

    json_array_foreach(fics, i, fic) {
        int s;

        if (!json_is_object(fic))
            continue;
        if (json_array_size(json_object_get(fic, "audiences")) > 1) {
            doctor_finding(c, DOCTOR_WARN, "keep one audience per credential",
                           "federated credential '%s' lists %zu audiences; Entra ID accepts "
                           "exactly one",
                           fic_name(fic), json_array_size(json_object_get(fic, "audiences")));
        }
        s = score(fic, t);
        if (s == 3) {
            facts->fic_match = 1;
            doctor_finding(c, DOCTOR_PASS, NULL,
                           "federated credential '%s' matches the token's issuer, subject and "
                           "audience",
                           fic_name(fic));
            doctor_evidence(c, "issuer", "%s", t->iss);
            doctor_evidence(c, "subject", "%s", t->sub);
            doctor_evidence(c, "audience", "%s",
                            json_string_value(json_array_get(json_object_get(fic, "audiences"),
                                                             0)));
            return;
        }
        if (s > best_score) {
            best_score = s;
            best = fic;
        }
    }

    facts->fic_match = 0;
    snprintf(fix, sizeof(fix),
             "create a federated credential with issuer '%s', subject '%s' and audience '%s'",
             t->iss, t->sub,
             facts->expected_audience != NULL ? facts->expected_audience
                                              : (t->aud_count > 0 ? t->aud[0] : "?"));
    if (best == NULL) {
        doctor_finding(c, DOCTOR_FAIL, fix, "the application has no federated credential");
        return;
    }
    doctor_finding(c, DOCTOR_FAIL, NULL,
                   "no federated credential matches the token; the nearest is '%s', with %d of "
                   "issuer, subject and audience equal",
                   fic_name(best), best_score);
    if (!str_eq(fic_str(best, "issuer"), t->iss))
        explain_issuer(c, t->iss, fic_str(best, "issuer") != NULL ? fic_str(best, "issuer") : "");
    if (!str_eq(fic_str(best, "subject"), t->sub))
        explain_subject(c, t->sub,
                        fic_str(best, "subject") != NULL ? fic_str(best, "subject") : "");
    if (!audience_matches(best, t))
        explain_audience(d, c, best, t);
}

/*
 * Compare the ServiceAccount the pod runs as with the token file's subject and with the
 * credentials. Once deployed, the pod's own token names that account, whatever the token
 * file examined here names.
 */
static void compare_pod(struct doctor *d, struct doctor_check *c, const json_t *fics,
                        const struct token_claims *t)
{
    const struct doctor_facts *facts = doctor_facts(d);
    const char *ns = facts->pod_namespace;
    const char *account = facts->pod_account;
    int ns_known = ns[0] != '\0';
    const json_t *fic, *nearest = NULL;
    const char *token_sa = NULL, *nearest_sa = NULL;
    char pod_sub[600], token_ns[254], nearest_ns[254], fix[2048];
    size_t i, shown = 0;

    if (account[0] == '\0')
        return;
    snprintf(pod_sub, sizeof(pod_sub), "%s%s:%s", SUBJECT_PREFIX, ns_known ? ns : "NAMESPACE",
             account);

    if (t->sub != NULL && split_subject(t->sub, token_ns, sizeof(token_ns), &token_sa) &&
        (strcmp(token_sa, account) != 0 || (ns_known && strcmp(token_ns, ns) != 0))) {
        snprintf(fix, sizeof(fix),
                 "examine a token of the pod's own account: run doctor inside the pod, or "
                 "point --token-file at the output of 'kubectl create token %s%s%s "
                 "--audience %s'",
                 account, ns_known ? " -n " : "", ns_known ? ns : "",
                 facts->expected_audience != NULL ? facts->expected_audience
                                                  : "api://AzureADTokenExchange");
        doctor_finding(c, DOCTOR_WARN, fix,
                       "the token file was issued for ServiceAccount %s/%s, but %s runs as %s%s%s, "
                       "so the comparison of the token describes another account than the pod's",
                       token_ns, token_sa, facts->pod_who, ns_known ? ns : "",
                       ns_known ? "/" : "", account);
        doctor_evidence(c, "token sub", "%s", t->sub);
        doctor_evidence(c, "pod subject", "%s", pod_sub);
    }
    if (fics == NULL)
        return;

    json_array_foreach(fics, i, fic) {
        char fic_ns[254];
        const char *fic_sa = NULL;

        if (!json_is_object(fic) ||
            !split_subject(fic_str(fic, "subject"), fic_ns, sizeof(fic_ns), &fic_sa))
            continue;
        if (strcmp(fic_sa, account) == 0 && (!ns_known || strcmp(fic_ns, ns) == 0)) {
            doctor_finding(c, DOCTOR_PASS, NULL,
                           "federated credential '%s' trusts the ServiceAccount that %s runs as",
                           fic_name(fic), facts->pod_who);
            doctor_evidence(c, "pod subject", "%s", pod_sub);
            doctor_evidence(c, "credential subject", "%s", fic_str(fic, "subject"));
            return;
        }
        if (nearest == NULL) {
            nearest = fic;
            snprintf(nearest_ns, sizeof(nearest_ns), "%s", fic_ns);
            nearest_sa = fic_sa;
        }
    }

    if (nearest != NULL) {
        snprintf(fix, sizeof(fix),
                 "run the pod as ServiceAccount %s in namespace %s, which federated credential "
                 "'%s' trusts (serviceAccountName: %s at %s, that account annotated with "
                 "azure.workload.identity/client-id), or add a federated credential with "
                 "subject '%s'",
                 nearest_sa, nearest_ns, fic_name(nearest), nearest_sa,
                 facts->pod_account_path, pod_sub);
    } else {
        snprintf(fix, sizeof(fix),
                 "add a federated credential with issuer '%s', subject '%s' and audience '%s'",
                 t->iss != NULL ? t->iss : "(the cluster's issuer)", pod_sub,
                 facts->expected_audience != NULL ? facts->expected_audience
                                                  : "api://AzureADTokenExchange");
    }
    doctor_finding(c, DOCTOR_FAIL, fix,
                   "no federated credential trusts the ServiceAccount that %s runs as: the "
                   "pod's tokens carry subject '%s', and Entra ID answers AADSTS700213 (no "
                   "credential matches the subject)",
                   facts->pod_who, pod_sub);
    doctor_evidence(c, "pod subject", "%s", pod_sub);
    if (!ns_known)
        doctor_evidence(c, "pod namespace", "not set in the manifest: the namespace kubectl "
                                            "applies it to");
    json_array_foreach(fics, i, fic) {
        if (!json_is_object(fic) || fic_str(fic, "subject") == NULL || shown == 4)
            continue;
        doctor_evidence(c, "credential subject", "%s (%s)", fic_str(fic, "subject"),
                        fic_name(fic));
        shown++;
    }
}

void doctor_fic_compare(struct doctor *d, struct doctor_check *c, const json_t *fics)
{
    const struct doctor_facts *facts = doctor_facts(d);
    struct token_claims t;

    memset(&t, 0, sizeof(t));
    t.iss = json_string_value(json_object_get(facts->assertion_claims, "iss"));
    t.sub = json_string_value(json_object_get(facts->assertion_claims, "sub"));
    if (fics == NULL)
        goto pod;
    if (t.iss == NULL || t.sub == NULL) {
        doctor_skip(c, "%zu federated credential(s) read, but the token's issuer and subject "
                       "are unknown (see check token-file)",
                    json_array_size(fics));
        goto pod;
    }
    t.aud_count = m365id__jwt_audiences(t.aud, TOKEN_AUDIENCES_MAX, facts->assertion_claims);
    compare(d, c, fics, &t);

pod:
    compare_pod(d, c, fics, &t);
}

void doctor_check_fic(struct doctor *d)
{
    struct doctor_check *c = doctor_check_begin(d, "federated-credential",
                                                "federated identity credential", 1);
    const struct doctor_options *opts = doctor_options(d);
    struct doctor_facts *facts = doctor_facts(d);
    json_t *fics = NULL;
    char why[512];

    if (opts->fic_file != NULL) {
        if ((fics = json_incref((json_t *)doctor_fic_file(d))) == NULL) {
            doctor_finding(c, DOCTOR_FAIL,
                           "pass the output of 'az ad app federated-credential list --id "
                           "CLIENT_ID', a JSON array of credentials",
                           "%s", facts->fic_file_error);
            goto out;
        }
    } else if (opts->offline) {
        doctor_skip(c, "no --federated-credential FILE given, and --offline keeps the doctor "
                       "from reading the credentials from Graph");
    } else if (facts->ctx == NULL) {
        doctor_skip(c, "no --federated-credential FILE given, and the configuration failed");
    } else if ((fics = load_graph(d, why, sizeof(why))) == NULL) {
        doctor_skip(c, "no --federated-credential FILE given, and the application could not be "
                       "read from Graph (%s), which needs the application permission "
                       "Application.Read.All; pass the output of 'az ad app "
                       "federated-credential list --id %s'",
                    why, facts->client_id != NULL ? facts->client_id : "CLIENT_ID");
    } else {
        json_decref(facts->fics);
        facts->fics = json_incref(fics);
    }

    doctor_fic_compare(d, c, fics);

out:
    json_decref(fics);
}
