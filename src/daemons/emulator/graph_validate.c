/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Request body checks of the directory collections: known properties and their JSON types,
 * required properties on create, and Entra's rules for federated identity credentials.
 * Checks that need the stored objects (uniqueness, counts) are in graph_objects.c.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "graph.h"
#include "graph_objects.h"
#include "util/quote.h"
#include "util/strutil.h"

/* Limits of federatedIdentityCredential properties (Graph resource reference): name up to
 * 120 characters, issuer, subject, each audience and description up to 600. */
#define FIC_NAME_MIN 3
#define FIC_NAME_MAX 120
#define FIC_VALUE_MAX 600

enum prop_type {
    P_STRING,      /* a string */
    P_NAME,        /* a string with a character other than white space */
    P_STRING_NULL, /* a string or null */
    P_BOOL,
    P_BOOL_NULL,
    P_STRINGS,     /* an array of strings */
    P_ARRAY,       /* an array of objects */
    P_OBJECT,
    P_OBJECT_NULL,
    P_GUID,        /* a string holding a GUID */
};

struct prop_rule {
    const char *name;
    enum prop_type type;
};

/* The declared properties the emulator checks. Other properties are stored as sent. */
static const struct prop_rule user_props[] = {
    {"accountEnabled", P_BOOL},      {"displayName", P_NAME},
    {"userPrincipalName", P_NAME},   {"mailNickname", P_NAME},
    {"passwordProfile", P_OBJECT},   {"mail", P_STRING_NULL},
    {"jobTitle", P_STRING_NULL},     {"givenName", P_STRING_NULL},
    {"surname", P_STRING_NULL},      {"department", P_STRING_NULL},
    {"usageLocation", P_STRING_NULL}, {"otherMails", P_STRINGS},
    {"businessPhones", P_STRINGS},   {NULL, P_STRING},
};
static const char *const user_required[] = {"accountEnabled", "displayName", "mailNickname",
                                            "passwordProfile", "userPrincipalName", NULL};

static const struct prop_rule group_props[] = {
    {"displayName", P_NAME},         {"description", P_STRING_NULL}, {"mailEnabled", P_BOOL},
    {"mailNickname", P_NAME},        {"securityEnabled", P_BOOL},    {"groupTypes", P_STRINGS},
    {"visibility", P_STRING_NULL},   {"isAssignableToRole", P_BOOL_NULL}, {NULL, P_STRING},
};
static const char *const group_required[] = {"displayName", "mailEnabled", "mailNickname",
                                             "securityEnabled", NULL};

static const struct prop_rule application_props[] = {
    {"displayName", P_NAME},            {"description", P_STRING_NULL},
    {"signInAudience", P_STRING},       {"identifierUris", P_STRINGS},
    {"tags", P_STRINGS},                {"requiredResourceAccess", P_ARRAY},
    {"appRoles", P_ARRAY},              {"api", P_OBJECT},
    {"web", P_OBJECT},                  {"publicClient", P_OBJECT},
    {"spa", P_OBJECT},                  {"info", P_OBJECT},
    {"isFallbackPublicClient", P_BOOL_NULL}, {"notes", P_STRING_NULL},
    {"optionalClaims", P_OBJECT_NULL},  {"keyCredentials", P_ARRAY},
    {"passwordCredentials", P_ARRAY},   {NULL, P_STRING},
};
static const char *const application_required[] = {"displayName", NULL};

static const struct prop_rule service_principal_props[] = {
    {"appId", P_GUID},          {"accountEnabled", P_BOOL},
    {"appRoleAssignmentRequired", P_BOOL}, {"displayName", P_NAME},
    {"tags", P_STRINGS},        {"notes", P_STRING_NULL},
    {"description", P_STRING_NULL}, {"servicePrincipalNames", P_STRINGS},
    {"keyCredentials", P_ARRAY}, {"passwordCredentials", P_ARRAY},
    {NULL, P_STRING},
};
static const char *const service_principal_required[] = {"appId", NULL};

static const struct prop_rule configuration_policy_props[] = {
    {"name", P_NAME},            {"description", P_STRING_NULL},
    {"platforms", P_STRING},     {"technologies", P_STRING},
    {"roleScopeTagIds", P_STRINGS}, {"settings", P_ARRAY},
    {"templateReference", P_OBJECT_NULL}, {NULL, P_STRING},
};
static const char *const configuration_policy_required[] = {"name", "platforms", "technologies",
                                                            NULL};

static const struct prop_rule fic_props[] = {
    {"name", P_STRING},      {"issuer", P_STRING},       {"subject", P_STRING},
    {"audiences", P_STRINGS}, {"description", P_STRING_NULL}, {NULL, P_STRING},
};
static const char *const fic_required[] = {"name", "issuer", "subject", "audiences", NULL};

static const struct prop_rule assignment_props[] = {
    {"principalId", P_GUID}, {"resourceId", P_GUID}, {"appRoleId", P_GUID}, {NULL, P_STRING},
};
static const char *const assignment_required[] = {"principalId", "resourceId", "appRoleId",
                                                  NULL};

/* Server-assigned properties: a create may not set them ("id" is ignored there), and an
 * update may only send them back unchanged, as Graph's "Property '...' is read-only and
 * cannot be set." enforces. */
static const char *const read_only_common[] = {"id", "createdDateTime", "deletedDateTime", NULL};
static const char *const read_only_apps[] = {"appId", NULL};
static const char *const read_only_service_principals[] = {"appOwnerOrganizationId", NULL};
static const char *const read_only_policies[] = {"lastModifiedDateTime", "settingCount",
                                                 "isAssigned", NULL};
/* Properties a create sets and an update may not change. */
static const char *const immutable_service_principals[] = {"appId", NULL};
static const char *const immutable_fics[] = {"name", NULL};

/* Sign-in audiences Graph accepts for an application. */
static const char *const sign_in_audiences[] = {"AzureADMyOrg", "AzureADMultipleOrgs",
                                                "AzureADandPersonalMicrosoftAccount",
                                                "PersonalMicrosoftAccount", NULL};

const char *emu_graph_resource_type(enum graph_kind kind)
{
    switch (kind) {
    case GRAPH_USERS:
        return "User";
    case GRAPH_GROUPS:
        return "Group";
    case GRAPH_APPLICATIONS:
        return "Application";
    case GRAPH_SERVICE_PRINCIPALS:
        return "ServicePrincipal";
    case GRAPH_CONFIGURATION_POLICIES:
        return "DeviceManagementConfigurationPolicy";
    case GRAPH_FICS:
        return "FederatedIdentityCredential";
    case GRAPH_APP_ROLE_ASSIGNMENTS:
        return "AppRoleAssignment";
    }
    return "Entity";
}

/* Graph's OData type name of @p kind, as "@odata.type" carries it without the '#'. */
static const char *entity_type(enum graph_kind kind)
{
    switch (kind) {
    case GRAPH_USERS:
        return "microsoft.graph.user";
    case GRAPH_GROUPS:
        return "microsoft.graph.group";
    case GRAPH_APPLICATIONS:
        return "microsoft.graph.application";
    case GRAPH_SERVICE_PRINCIPALS:
        return "microsoft.graph.servicePrincipal";
    case GRAPH_CONFIGURATION_POLICIES:
        return "microsoft.graph.deviceManagementConfigurationPolicy";
    case GRAPH_FICS:
        return "microsoft.graph.federatedIdentityCredential";
    case GRAPH_APP_ROLE_ASSIGNMENTS:
        return "microsoft.graph.appRoleAssignment";
    }
    return "microsoft.graph.entity";
}

static int in_list(const char *s, const char *const *list)
{
    size_t i;

    for (i = 0; list != NULL && list[i] != NULL; i++) {
        if (strcmp(s, list[i]) == 0)
            return 1;
    }
    return 0;
}

static const char *const *read_only_of(enum graph_kind kind)
{
    switch (kind) {
    case GRAPH_APPLICATIONS:
        return read_only_apps;
    case GRAPH_SERVICE_PRINCIPALS:
        return read_only_service_principals;
    case GRAPH_CONFIGURATION_POLICIES:
        return read_only_policies;
    default:
        return NULL;
    }
}

static const char *const *immutable_of(enum graph_kind kind)
{
    if (kind == GRAPH_SERVICE_PRINCIPALS)
        return immutable_service_principals;
    return kind == GRAPH_FICS ? immutable_fics : NULL;
}

int emu_graph_is_read_only(const char *key, enum graph_kind kind)
{
    return in_list(key, read_only_common) || in_list(key, read_only_of(kind)) ||
           in_list(key, immutable_of(kind));
}

static int problem(struct graph_problem *p, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int problem(struct graph_problem *p, int status, const char *code, const char *fmt, ...)
{
    va_list ap;

    p->status = status;
    p->code = code;
    va_start(ap, fmt);
    vsnprintf(p->message, sizeof(p->message), fmt, ap);
    va_end(ap);
    return -1;
}

/* Graph's reply to a property of the wrong type or with a value it does not accept. */
static int invalid_value(struct graph_problem *p, enum graph_kind kind, const char *prop)
{
    struct m365id__quoted q;

    m365id__quote(&q, prop);
    return problem(p, 400, "Request_BadRequest",
                   "Invalid value specified for property '%s' of resource '%s'.", q.text,
                   emu_graph_resource_type(kind));
}

/*
 * Check an annotation key. "@odata.type" must name the entity type of the request URL, with
 * or without its '#'; other instance annotations ("@odata.context", "@odata.etag") are
 * ignored. A property annotation such as "owners@odata.bind" is rejected, because the
 * emulator stores no references. Keys without '@' pass.
 */
static int check_annotation(struct graph_problem *p, enum graph_kind kind, const char *key,
                            const json_t *value)
{
    const char *at = strchr(key, '@');
    const char *type;
    struct m365id__quoted q;

    if (at == NULL)
        return 0;
    if (at != key) {
        m365id__quote(&q, key);
        return problem(p, 400, "BadRequest",
                       "The property annotation '%s' is not supported: the emulator stores no "
                       "references such as owners or members. Remove it from the request.",
                       q.text);
    }
    if (strcmp(key, "@odata.type") != 0)
        return 0;
    type = json_string_value(value);
    if (type != NULL && type[0] == '#')
        type++;
    if (type != NULL && strcasecmp(type, entity_type(kind)) == 0)
        return 0;
    m365id__quote(&q, type != NULL ? type : "");
    return problem(p, 400, "BadRequest",
                   "The type '%s' in '@odata.type' does not match the type '#%s' of the "
                   "collection in the request URL.", q.text, entity_type(kind));
}

/* The declared spelling of @p key when it names a property of @p kind without case. */
static const char *declared_spelling(enum graph_kind kind, const struct prop_rule *rules,
                                     const char *key)
{
    const char *const *lists[] = {read_only_common, read_only_of(kind), immutable_of(kind)};
    size_t i;
    size_t j;

    for (i = 0; rules[i].name != NULL; i++) {
        if (strcasecmp(rules[i].name, key) == 0)
            return rules[i].name;
    }
    for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        for (j = 0; lists[i] != NULL && lists[i][j] != NULL; j++) {
            if (strcasecmp(lists[i][j], key) == 0)
                return lists[i][j];
        }
    }
    return NULL;
}

/* NOTE: whether Graph matches property names without case is not verified. The emulator
 * rejects "ID" or "DisplayName" so that no property is stored under a second spelling. */
static int check_spelling(struct graph_problem *p, enum graph_kind kind,
                          const struct prop_rule *rules, const char *key)
{
    const char *declared = declared_spelling(kind, rules, key);
    struct m365id__quoted q;

    if (declared == NULL || strcmp(declared, key) == 0)
        return 0;
    m365id__quote(&q, key);
    return problem(p, 400, "Request_BadRequest",
                   "Property '%s' does not exist as a declared property of resource '%s'; the "
                   "declared property is '%s' (names are case-sensitive).", q.text,
                   emu_graph_resource_type(kind), declared);
}

static int read_only_problem(struct graph_problem *p, const char *key)
{
    struct m365id__quoted q;

    m365id__quote(&q, key);
    return problem(p, 400, "Request_BadRequest", "Property '%s' is read-only and cannot be set.",
                   q.text);
}

static int type_matches(enum prop_type type, const json_t *v)
{
    size_t i;

    switch (type) {
    case P_STRING:
        return json_is_string(v);
    case P_NAME:
        return json_is_string(v) &&
               json_string_value(v)[strspn(json_string_value(v), " \t\r\n")] != '\0';
    case P_STRING_NULL:
        return json_is_string(v) || json_is_null(v);
    case P_BOOL:
        return json_is_boolean(v);
    case P_BOOL_NULL:
        return json_is_boolean(v) || json_is_null(v);
    case P_STRINGS:
        if (!json_is_array(v))
            return 0;
        for (i = 0; i < json_array_size(v); i++) {
            if (!json_is_string(json_array_get(v, i)))
                return 0;
        }
        return 1;
    case P_ARRAY:
        if (!json_is_array(v))
            return 0;
        for (i = 0; i < json_array_size(v); i++) {
            if (!json_is_object(json_array_get(v, i)))
                return 0;
        }
        return 1;
    case P_OBJECT:
        return json_is_object(v);
    case P_OBJECT_NULL:
        return json_is_object(v) || json_is_null(v);
    case P_GUID:
        return json_is_string(v) && m365id__is_guid(json_string_value(v));
    }
    return 0;
}

/* requiredResourceAccess: [{resourceAppId: GUID, resourceAccess: [{id: GUID, type}]}], where
 * type is "Role" (application permission) or "Scope" (delegated permission). */
static int valid_required_resource_access(const json_t *list)
{
    size_t i;
    size_t j;

    for (i = 0; i < json_array_size(list); i++) {
        const json_t *rra = json_array_get(list, i);
        const json_t *access = json_object_get(rra, "resourceAccess");

        if (!type_matches(P_GUID, json_object_get(rra, "resourceAppId")) ||
            !type_matches(P_ARRAY, access))
            return 0;
        for (j = 0; j < json_array_size(access); j++) {
            const json_t *a = json_array_get(access, j);
            const char *type = json_string_value(json_object_get(a, "type"));

            if (!type_matches(P_GUID, json_object_get(a, "id")) || type == NULL ||
                (strcmp(type, "Role") != 0 && strcmp(type, "Scope") != 0))
                return 0;
        }
    }
    return 1;
}

static int string_in(const char *s, const char *const *list)
{
    size_t i;

    for (i = 0; s != NULL && list[i] != NULL; i++) {
        if (strcmp(s, list[i]) == 0)
            return 1;
    }
    return 0;
}

int emu_graph_validate_body(struct graph_problem *p, enum graph_kind kind, const json_t *body,
                            int creating)
{
    const struct prop_rule *rules = NULL;
    const char *const *required = NULL;
    int closed = 0; /* nonzero: properties not in the rules are rejected */
    const char *key;
    json_t *value;
    size_t i;

    switch (kind) {
    case GRAPH_USERS:
        rules = user_props;
        required = user_required;
        break;
    case GRAPH_GROUPS:
        rules = group_props;
        required = group_required;
        break;
    case GRAPH_APPLICATIONS:
        rules = application_props;
        required = application_required;
        break;
    case GRAPH_SERVICE_PRINCIPALS:
        rules = service_principal_props;
        required = service_principal_required;
        break;
    case GRAPH_CONFIGURATION_POLICIES:
        rules = configuration_policy_props;
        required = configuration_policy_required;
        break;
    case GRAPH_FICS:
        rules = fic_props;
        required = fic_required;
        closed = 1;
        break;
    case GRAPH_APP_ROLE_ASSIGNMENTS:
        rules = assignment_props;
        required = assignment_required;
        closed = 1;
        break;
    }

    json_object_foreach((json_t *)body, key, value) {
        int known = 0;

        if (check_annotation(p, kind, key, value) < 0)
            return -1;
        if (strchr(key, '@') != NULL)
            continue; /* an instance annotation, never stored */
        if (check_spelling(p, kind, rules, key) < 0)
            return -1;
        if (strcmp(key, "id") == 0)
            continue; /* ignored on create, compared with the stored id on update */
        if (creating && (in_list(key, read_only_common) || in_list(key, read_only_of(kind))))
            return read_only_problem(p, key);
        for (i = 0; rules[i].name != NULL; i++) {
            if (strcmp(rules[i].name, key) != 0)
                continue;
            known = 1;
            if (!type_matches(rules[i].type, value))
                return invalid_value(p, kind, key);
        }
        if (!known && closed) {
            struct m365id__quoted q;

            m365id__quote(&q, key);
            return problem(p, 400, "Request_BadRequest",
                           "Property '%s' does not exist as a declared property or extension "
                           "property.", q.text);
        }
    }
    for (i = 0; creating && required[i] != NULL; i++) {
        if (json_object_get(body, required[i]) == NULL)
            return invalid_value(p, kind, required[i]);
    }

    if (kind == GRAPH_APPLICATIONS) {
        const json_t *audience = json_object_get(body, "signInAudience");

        if (audience != NULL && !string_in(json_string_value(audience), sign_in_audiences))
            return invalid_value(p, kind, "signInAudience");
        if (!valid_required_resource_access(json_object_get(body, "requiredResourceAccess")))
            return invalid_value(p, kind, "requiredResourceAccess");
    }
    if (kind == GRAPH_APPLICATIONS || kind == GRAPH_SERVICE_PRINCIPALS) {
        /* Client secrets and certificates are scenario settings: the token endpoint could not
         * use a value set here, so it is rejected rather than stored. */
        if (json_array_size(json_object_get(body, "passwordCredentials")) > 0 ||
            json_array_size(json_object_get(body, "keyCredentials")) > 0)
            return problem(p, 400, "Request_BadRequest",
                           "The emulator keeps client secrets and certificates in the scenario "
                           "file only; remove 'passwordCredentials' and 'keyCredentials' from "
                           "the request and add them under the application in the scenario.");
    }
    return 0;
}

/* Characters (UTF-8 code points) in @p s: the limits are in characters, not bytes. */
static size_t char_count(const char *s)
{
    size_t n = 0;

    for (; *s != '\0'; s++) {
        if (((unsigned char)*s & 0xc0) != 0x80)
            n++;
    }
    return n;
}

/* Entra's rule for a credential name: alphanumeric, '-' or '_', starting alphanumeric. */
static int valid_fic_name(const char *name)
{
    size_t len = strlen(name);
    size_t i;

    if (len < FIC_NAME_MIN || len > FIC_NAME_MAX || !isalnum((unsigned char)name[0]))
        return 0;
    for (i = 0; i < len; i++) {
        if (!isalnum((unsigned char)name[i]) && name[i] != '-' && name[i] != '_')
            return 0;
    }
    return 1;
}

/* An absolute http or https URL with a host. */
static int is_url(const char *s)
{
    const char *host;

    if (strncmp(s, "https://", 8) == 0)
        host = s + 8;
    else if (strncmp(s, "http://", 7) == 0)
        host = s + 7;
    else
        return 0;
    if (host[0] == '\0' || host[0] == '/' || host[0] == ':')
        return 0;
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s <= ' ' || *s == 0x7f)
            return 0;
    }
    return 1;
}

int emu_graph_validate_fic(struct graph_problem *p, const json_t *fic)
{
    const char *name = json_string_value(json_object_get(fic, "name"));
    const char *issuer = json_string_value(json_object_get(fic, "issuer"));
    const char *subject = json_string_value(json_object_get(fic, "subject"));
    const char *description = json_string_value(json_object_get(fic, "description"));
    const json_t *audiences = json_object_get(fic, "audiences");
    const char *audience = json_string_value(json_array_get(audiences, 0));
    struct m365id__quoted q;

    if (name == NULL || !valid_fic_name(name)) {
        m365id__quote(&q, name != NULL ? name : "");
        /* NOTE: Graph's reference states only "up to 120 characters, URL friendly". The
         * minimum of 3 and the character set come from Entra's rules for managed identity
         * credentials, and the emulator applies them to applications too. */
        return problem(p, 400, "Request_BadRequest",
                       "Invalid value specified for property 'name' of resource "
                       "'FederatedIdentityCredential': '%s'. Use %d to %d letters, digits, '-' "
                       "and '_', starting with a letter or digit.",
                       q.text, FIC_NAME_MIN, FIC_NAME_MAX);
    }
    if (issuer == NULL || char_count(issuer) > FIC_VALUE_MAX || !is_url(issuer)) {
        m365id__quote(&q, issuer != NULL ? issuer : "");
        return problem(p, 400, "Request_BadRequest",
                       "Invalid value specified for property 'issuer' of resource "
                       "'FederatedIdentityCredential': '%s' is not an absolute http or https URL "
                       "of at most %d characters.", q.text, FIC_VALUE_MAX);
    }
    if (subject == NULL || subject[0] == '\0' || char_count(subject) > FIC_VALUE_MAX) {
        return problem(p, 400, "Request_BadRequest",
                       "Invalid value specified for property 'subject' of resource "
                       "'FederatedIdentityCredential': it must be 1 to %d characters.",
                       FIC_VALUE_MAX);
    }
    if (json_array_size(audiences) != 1) {
        return problem(p, 400, "Request_BadRequest",
                       "Invalid value specified for property 'audiences' of resource "
                       "'FederatedIdentityCredential': exactly one audience is allowed, not %zu.",
                       json_array_size(audiences));
    }
    if (audience == NULL || audience[0] == '\0' || char_count(audience) > FIC_VALUE_MAX) {
        return problem(p, 400, "Request_BadRequest",
                       "Invalid value specified for property 'audiences' of resource "
                       "'FederatedIdentityCredential': the audience must be 1 to %d characters.",
                       FIC_VALUE_MAX);
    }
    if (description != NULL && char_count(description) > FIC_VALUE_MAX) {
        return problem(p, 400, "Request_BadRequest",
                       "Invalid value specified for property 'description' of resource "
                       "'FederatedIdentityCredential': it must be at most %d characters.",
                       FIC_VALUE_MAX);
    }
    return 0;
}
