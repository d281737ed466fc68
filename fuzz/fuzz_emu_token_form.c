/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * libFuzzer target: a token endpoint request body through the emulator's form decoder
 * (httpd_form_parse). The client assertion in it then goes through the token endpoint steps
 * that need no connection: JWT parse, claim reads and the federated credential match against
 * the built-in scenario. The handler itself (emu_sts_handle) reads request headers from
 * libmicrohttpd, so the emulator's integration tests cover it instead.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fic.h"
#include "httpd.h"
#include "scenario.h"
#include "util/json.h"
#include "util/jwt.h"

#define FUZZ_BASE_URL "https://127.0.0.1:8443"
#define AUDIENCES_MAX 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct emu_scenario *scenario(void)
{
    static struct emu_scenario *scn;
    const char *json;
    struct emu_error err;

    if (scn == NULL) {
        json = emu_scenario_default_json();
        if (emu_scenario_parse(&scn, json, strlen(json), FUZZ_BASE_URL, &err) != 0 ||
            scn->tenant_count == 0 || scn->tenants[0].app_count == 0)
            abort();
    }
    return scn;
}

/* Steps 7 to 10 of the token endpoint on an assertion, for the application @p app. */
static void check_assertion(const char *assertion, const struct emu_app *app, int legacy)
{
    struct m365id__jwt jwt = M365ID__JWT_INIT;
    enum m365id__jwt_fault fault = M365ID__JWT_OK;
    const struct emu_fic *fic = NULL;
    const char *aud[AUDIENCES_MAX];
    const char *alg = NULL;
    const char *iss = NULL;
    const char *sub = NULL;
    long long exp = 0;
    size_t aud_count;
    int code;

    if (m365id__jwt_parse(&jwt, assertion, strlen(assertion), &fault) < 0) {
        (void)m365id__jwt_fault_text(fault);
        goto out;
    }
    (void)m365id__json_get_str(&alg, jwt.header, "alg");
    (void)m365id__json_get_int(&exp, jwt.payload, "exp");
    if (m365id__json_get_str(&iss, jwt.payload, "iss") == M365ID__JSON_BADTYPE ||
        m365id__json_get_str(&sub, jwt.payload, "sub") == M365ID__JSON_BADTYPE)
        goto out;
    aud_count = m365id__jwt_audiences(aud, AUDIENCES_MAX, jwt.payload);
    if (aud_count > AUDIENCES_MAX)
        abort();

    code = emu_fic_match(&fic, app, iss, sub, aud, aud_count, legacy);
    /* emu_fic_match() promises a credential exactly when it returns 0. */
    if ((code == 0) != (fic != NULL))
        abort();

out:
    m365id__jwt_clear(&jwt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const params[] = {"grant_type", "client_id", "scope",
                                         "client_assertion_type", "client_secret", ""};
    const struct emu_scenario *scn = scenario();
    const struct emu_tenant *tenant = &scn->tenants[0];
    const struct emu_app *app = &tenant->apps[0];
    struct httpd_form form = HTTPD_FORM_INIT;
    const char *client_id;
    const char *assertion;
    char *body;
    size_t i;

    /* The server hands the handler a NUL-terminated body that may contain NULs. */
    body = malloc(size + 1);
    if (body == NULL)
        return 0;
    memcpy(body, data, size);
    body[size] = '\0';

    if (httpd_form_parse(&form, body, size) < 0)
        goto out;
    for (i = 0; i < form.count; i++) {
        if (form.fields[i].name == NULL || form.fields[i].value == NULL)
            abort();
    }
    for (i = 0; i < sizeof(params) / sizeof(params[0]); i++)
        (void)httpd_form_get(&form, params[i]);

    client_id = httpd_form_get(&form, "client_id");
    if (client_id != NULL && emu_tenant_app(tenant, client_id) != NULL)
        app = emu_tenant_app(tenant, client_id);
    assertion = httpd_form_get(&form, "client_assertion");
    if (assertion != NULL && assertion[0] != '\0') {
        check_assertion(assertion, app, 0);
        check_assertion(assertion, app, 1);
    }

out:
    httpd_form_clear(&form);
    free(body);
    return 0;
}
