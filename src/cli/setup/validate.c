/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Input checks of `m365id setup`: Kubernetes names, GUIDs, the issuer URL, federated
 * credential names, and Graph permission names with suggestions for a misspelt one.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "cli/setup/setup.h"
#include "util/quote.h"
#include "util/strutil.h"

/* Entra ID limits of federatedIdentityCredential: name 3 to 120 characters; issuer, subject
 * and audience at most 600 characters each. */
#define FIC_NAME_MIN 3
#define FIC_NAME_MAX 120
#define FIC_VALUE_MAX 600
/* Kubernetes: a DNS-1123 label has at most 63 characters, a subdomain at most 253. */
#define DNS_LABEL_MAX 63
#define DNS_SUBDOMAIN_MAX 253
/* Entra accepts display names of up to 256 characters, counted here as Unicode code points. */
#define APP_NAME_MAX 256
/* Maximum length of a container image reference. */
#define IMAGE_MAX 512

static int is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Length of the DNS-1123 label at the start of @p s (up to '.' or the end), or 0 when the
 * characters there do not form one. */
static size_t dns_label_len(const char *s)
{
    size_t len = strcspn(s, ".");

    if (len == 0 || len > DNS_LABEL_MAX || !is_lower_alnum(s[0]) || !is_lower_alnum(s[len - 1]))
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (!is_lower_alnum(s[i]) && s[i] != '-')
            return 0;
    }
    return len;
}

/* Report @p value of @p flag as a usage error "<flag> '<value>' <problem>" with @p hint;
 * return CLI_EXIT_USAGE. */
static int reject(const char *flag, const char *value, const char *problem, const char *hint)
{
    struct m365id__quoted q;

    m365id__quote(&q, value);
    return cli_fail(CLI_EXIT_USAGE, hint, "%s '%s' %s", flag, q.text, problem);
}

int setup_check_guid(const char *flag, const char *value)
{
    if (m365id__is_guid(value))
        return 0;
    return reject(flag, value, "is not a GUID",
                  "write the id as a GUID such as 00000000-0000-0000-0000-000000000000, as the "
                  "Entra admin center shows it");
}

int setup_check_namespace(const char *value)
{
    if (dns_label_len(value) == strlen(value))
        return 0;
    return reject("--namespace", value, "is not a valid Kubernetes namespace name",
                  "a namespace name is a DNS-1123 label: 1 to 63 lower-case letters, digits and "
                  "'-', starting and ending with a letter or digit (e.g. terraform-m365)");
}

int setup_check_service_account(const char *value)
{
    const char *p = value;
    size_t len;

    if (strlen(value) <= DNS_SUBDOMAIN_MAX) {
        while ((len = dns_label_len(p)) > 0) {
            p += len;
            if (*p == '\0')
                return 0;
            p++; /* the '.' */
        }
    }
    return reject("--service-account", value, "is not a valid Kubernetes service account name",
                  "a service account name is a DNS-1123 subdomain: at most 253 lower-case "
                  "letters, digits, '-' and '.', each '.'-separated part starting and ending "
                  "with a letter or digit (e.g. terraform-m365-sa)");
}

int setup_check_job_name(const char *value)
{
    /* Job names are subdomains, but the controller copies the name into the pods' label
     * batch.kubernetes.io/job-name, whose values are limited to 63 characters. */
    if (dns_label_len(value) == strlen(value))
        return 0;
    return reject("--job-name", value, "is not a valid Kubernetes Job name",
                  "use 1 to 63 lower-case letters, digits and '-', starting and ending with a "
                  "letter or digit (e.g. terraform-apply)");
}

int setup_check_fic_name(const char *value)
{
    size_t len = strlen(value);
    int ok = len >= FIC_NAME_MIN && len <= FIC_NAME_MAX && isalnum((unsigned char)value[0]);

    for (size_t i = 0; ok && i < len; i++) {
        unsigned char c = (unsigned char)value[i];

        ok = (isalnum(c) && c < 0x80) || c == '-' || c == '_';
    }
    if (ok)
        return 0;
    return reject("--fic-name", value, "is not a valid federated credential name",
                  "Entra ID accepts 3 to 120 letters, digits, '-' and '_', starting with a "
                  "letter or digit (e.g. kubernetes-federated-credential)");
}

int setup_check_app_name(const char *value)
{
    struct m365id__quoted q;
    size_t len = strlen(value);
    size_t chars = 0;
    int ok = len > 0 && !isspace((unsigned char)value[0]) &&
             !isspace((unsigned char)value[len - 1]);

    for (size_t i = 0; ok && i < len; i++)
        ok = (unsigned char)value[i] >= 0x20 && value[i] != 0x7f;
    if (ok && setup_utf8_length(&chars, value) < 0) {
        /* Graph takes JSON, which must be UTF-8, and the script would pass the raw bytes on. */
        return reject("--app-name", value, "is not valid UTF-8",
                      "write the name in UTF-8, as a terminal with a UTF-8 locale does");
    }
    if (ok && chars > APP_NAME_MAX) {
        m365id__quote(&q, value);
        return cli_fail(CLI_EXIT_USAGE, "shorten the name to at most 256 characters",
                        "--app-name '%s' has %zu characters, more than the 256 Entra ID accepts",
                        q.text, chars);
    }
    if (ok)
        return 0;
    return reject("--app-name", value, "is not a usable application display name",
                  "use 1 to 256 characters without control characters or surrounding spaces "
                  "(e.g. terraform-m365-provider)");
}

int setup_check_image(const char *value)
{
    size_t len = strlen(value);
    int ok = len > 0 && len <= IMAGE_MAX;

    for (size_t i = 0; ok && i < len; i++)
        ok = (unsigned char)value[i] > 0x20 && (unsigned char)value[i] < 0x7f;
    if (ok)
        return 0;
    return reject("--image", value, "is not a container image reference",
                  "pass an image reference such as hashicorp/terraform:1.9 (printable "
                  "characters, no spaces)");
}

/* Nonzero when the host part of "http://HOST[:port]/..." at @p host is a loopback host. */
static int host_is_loopback(const char *host)
{
    size_t len;

    if (strncmp(host, "[::1]", 5) == 0)
        return host[5] == '\0' || host[5] == ':' || host[5] == '/';
    len = strcspn(host, ":/");
    if (len == 9 && strncasecmp(host, "localhost", 9) == 0)
        return 1;
    return len >= 4 && strncmp(host, "127.", 4) == 0 && strspn(host, "0123456789.") >= len;
}

/* Check the authority "host[:port]" of length @p len at @p authority; return why it is not
 * usable in an issuer, or NULL. */
static const char *authority_problem(const char *authority, size_t len)
{
    const char *port = NULL;
    const char *close;
    unsigned long number = 0;

    if (memchr(authority, '@', len) != NULL)
        return "contains user information ('user@'), which an issuer never has";
    if (len > 0 && authority[0] == '[') {
        close = memchr(authority, ']', len);
        if (close == NULL || close == authority + 1)
            return "has an IPv6 host without a closing ']'";
        if (close + 1 < authority + len) {
            if (close[1] != ':')
                return "has characters after the IPv6 host that are not a port";
            port = close + 2;
        }
    } else {
        port = memchr(authority, ':', len);
        if (port == authority)
            return "has no host";
        if (port != NULL)
            port++;
    }
    if (port == NULL)
        return NULL;

    /* A port is 1 to 65535 in decimal; "host:" with an empty port is ambiguous too. */
    if (port == authority + len)
        return "has an empty port after ':'";
    for (const char *p = port; p < authority + len; p++) {
        if (*p < '0' || *p > '9')
            return "has a port that is not a number";
        number = number * 10 + (unsigned long)(*p - '0');
        if (number > 65535)
            return "has a port above 65535";
    }
    if (number == 0)
        return "has port 0";
    return NULL;
}

int setup_check_issuer(const char *origin, const char *value)
{
    const char *host = NULL;
    const char *why = NULL;

    if (strncmp(value, "https://", 8) == 0) {
        host = value + 8;
    } else if (strncmp(value, "http://", 7) == 0) {
        host = value + 7;
        if (!host_is_loopback(host))
            why = "uses http on a host other than loopback; Entra ID fetches issuers over https";
    } else {
        why = "is not an https URL";
    }
    if (why == NULL && (host[0] == '\0' || host[0] == '/' || host[0] == ':'))
        why = "has no host";
    if (why == NULL)
        why = authority_problem(host, strcspn(host, "/?#"));
    if (why == NULL && strlen(value) > FIC_VALUE_MAX)
        why = "is longer than the 600 characters Entra ID accepts";
    if (why == NULL && strpbrk(value, "?#") != NULL)
        why = "has a query or fragment, which an issuer never has";
    for (const unsigned char *p = (const unsigned char *)value; why == NULL && *p != '\0'; p++) {
        if (*p <= 0x20 || *p == 0x7f)
            why = "contains whitespace or a control character";
    }
    if (why == NULL)
        return 0;
    return reject(origin, value, why,
                  "pass the cluster's issuer exactly as "
                  "'kubectl get --raw /.well-known/openid-configuration | jq -r .issuer' "
                  "prints it, trailing slash included, or use --issuer-from-cluster in a pod");
}

int setup_add_permission(struct setup_spec *spec, const char *name)
{
    struct m365id__quoted q;
    const char *id = m365id_graph_app_role_id(name);
    char close[512];

    if (id != NULL) {
        for (size_t i = 0; i < spec->permission_count; i++) {
            if (strcmp(spec->permission_ids[i], id) == 0)
                return 0;
        }
        if (spec->permission_count == SETUP_PERMISSIONS_MAX) {
            return cli_fail(CLI_EXIT_USAGE, NULL, "more than %d --permission flags",
                            SETUP_PERMISSIONS_MAX);
        }
        spec->permission_names[spec->permission_count] = name;
        spec->permission_ids[spec->permission_count] = id;
        spec->permission_count++;
        return 0;
    }

    /* Suggest names that differ by a few edits, or that contain what was typed. */
    m365id__quote(&q, name);
    if (cli_permission_close_names(close, sizeof(close), name, 6, CLI_CLOSE_NAMES_SUBSTRING) > 0) {
        return cli_fail(CLI_EXIT_USAGE,
                        "names are case-sensitive; 'm365id setup --list-permissions' prints "
                        "the table",
                        "unknown Graph application permission '%s'; close names: %s", q.text,
                        close);
    }
    return cli_fail(CLI_EXIT_USAGE,
                    "'m365id setup --list-permissions' prints the permissions it knows",
                    "unknown Graph application permission '%s'", q.text);
}

void setup_list_permissions(void)
{
    const char *name;
    const char *id;

    for (size_t i = 0; m365id_graph_app_role_at(i, &name, &id); i++)
        printf("%-48s %s\n", name, id);
}
