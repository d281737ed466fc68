/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Doctor check 7, "permissions": the Graph application permissions (the `roles` claim) of the
 * access token from the exchange, decoded without verification, against --require-role. No
 * Graph request is sent: the roles claim is what Graph itself authorises against.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/doctor/doctor.h"

/* The commands that grant application permission @p role_id to the app and consent to it. */
static void grant_fix(char *out, size_t size, const char *client_id, const char *role_id)
{
    snprintf(out, size,
             "grant the application permission and admin consent: az ad app permission add "
             "--id %s --api 00000003-0000-0000-c000-000000000000 --api-permissions %s=Role && "
             "az ad app permission admin-consent --id %s (a managed identity needs an app "
             "role assignment on the Microsoft Graph service principal instead)",
             client_id, role_id, client_id);
}

/* The role of @p roles equal to @p name apart from letter case, or NULL. */
static const char *role_in_other_case(const json_t *roles, const char *name)
{
    const json_t *role;
    size_t i;

    json_array_foreach(roles, i, role) {
        if (json_is_string(role) && strcasecmp(json_string_value(role), name) == 0)
            return json_string_value(role);
    }
    return NULL;
}

/* Report required permission @p name, which the token's @p roles lack. */
static void report_missing(struct doctor_check *c, const char *client_id, const json_t *roles,
                           const char *name, const char *list)
{
    const char *id = m365id_graph_app_role_id(name);
    const char *other_case = role_in_other_case(roles, name);
    char fix[1024], close[512];

    /* Names are case-sensitive for m365id and for applications that read the roles claim,
     * while Graph authorises by the role id the token carries. */
    if (other_case != NULL) {
        snprintf(fix, sizeof(fix), "pass --require-role %s: permission names are "
                 "case-sensitive", other_case);
        doctor_finding(c, DOCTOR_WARN, fix,
                       "the required permission '%s' differs only in letter case from '%s' in "
                       "the token's roles: did you mean '%s'?",
                       name, other_case, other_case);
        doctor_evidence(c, "required", "%s", name);
        doctor_evidence(c, "in the token", "%s", other_case);
        return;
    }
    if (id == NULL) {
        (void)cli_permission_close_names(close, sizeof(close), name, 4, 0);
        snprintf(fix, sizeof(fix),
                 "check the name, which is case-sensitive%s%s; a permission that m365id's table "
                 "lacks is granted with its id from az ad sp show --id "
                 "00000003-0000-0000-c000-000000000000 --query appRoles",
                 close[0] != '\0' ? ": close names are " : "", close);
        doctor_finding(c, DOCTOR_FAIL, fix,
                       "the required permission '%s' is not in the token's roles, and it is not "
                       "a Microsoft Graph application permission in m365id's table%s%s",
                       name, close[0] != '\0' ? "; did you mean one of: " : "", close);
        doctor_evidence(c, "required", "%s", name);
        doctor_evidence(c, "roles", "%s", list);
        return;
    }
    grant_fix(fix, sizeof(fix), client_id, id);
    doctor_finding(c, DOCTOR_FAIL, fix,
                   "the required permission '%s' is not in the token's roles: grant it "
                   "and give admin consent",
                   name);
    doctor_evidence(c, "required", "%s", name);
    doctor_evidence(c, "permission id", "%s", id);
    doctor_evidence(c, "roles", "%s", list);
}

static int has_role(const json_t *roles, const char *name)
{
    const json_t *role;
    size_t i;

    json_array_foreach(roles, i, role) {
        if (json_is_string(role) && strcmp(json_string_value(role), name) == 0)
            return 1;
    }
    return 0;
}

void doctor_check_permissions(struct doctor *d)
{
    struct doctor_check *c = doctor_check_begin(d, "permissions", "Graph application "
                                                "permissions of the access token", 1);
    const struct doctor_options *opts = doctor_options(d);
    const struct doctor_facts *facts = doctor_facts(d);
    const char *client_id = facts->client_id != NULL ? facts->client_id : "CLIENT_ID";
    const json_t *roles;
    const json_t *role;
    const char *idtyp;
    char fix[1024];
    char list[1024] = "";
    size_t used = 0;
    size_t i;

    if (opts->offline) {
        doctor_skip(c, "no access token: --offline");
        return;
    }
    if (facts->access_claims == NULL) {
        doctor_skip(c, "no access token (see check exchange)");
        return;
    }

    roles = json_object_get(facts->access_claims, "roles");
    idtyp = json_string_value(json_object_get(facts->access_claims, "idtyp"));
    if (idtyp != NULL && strcmp(idtyp, "user") == 0) {
        doctor_skip(c, "a delegated token: its permissions are in 'scp', not 'roles'");
        return;
    }

    /* Authentication worked, but Graph will reject every request. */
    if (!json_is_array(roles) || json_array_size(roles) == 0) {
        const char *first = opts->required_role_count > 0 ? opts->required_roles[0] : NULL;
        const char *first_id = first != NULL ? m365id_graph_app_role_id(first) : NULL;

        grant_fix(fix, sizeof(fix), client_id, first_id != NULL ? first_id : "PERMISSION_ID");
        doctor_finding(c, DOCTOR_FAIL, fix,
                       "the access token has no application permissions (no 'roles' claim): "
                       "an authorization problem, not federation; Graph answers 403 "
                       "Authorization_RequestDenied");
        doctor_evidence(c, "roles", "(none)");
        doctor_evidence(c, "client id", "%s", client_id);
        return;
    }

    json_array_foreach(roles, i, role) {
        if (!json_is_string(role))
            continue;
        used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", used > 0 ? ", " : "",
                                 json_string_value(role));
        if (used >= sizeof(list))
            used = sizeof(list) - 1;
    }
    doctor_finding(c, DOCTOR_PASS, NULL, "the access token carries %zu application "
                                         "permission(s)", json_array_size(roles));
    doctor_evidence(c, "roles", "%s", list);

    for (i = 0; i < opts->required_role_count; i++) {
        if (!has_role(roles, opts->required_roles[i]))
            report_missing(c, client_id, roles, opts->required_roles[i], list);
    }
}
