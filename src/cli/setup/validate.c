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

int setup_check_guid(const char *flag, const char *value)
{
    struct m365id__quoted q;

    if (m365id__is_guid(value))
        return 0;
    m365id__quote(&q, value);
    return cli_fail(CLI_EXIT_USAGE,
                    "write the id as a GUID such as 00000000-0000-0000-0000-000000000000, as "
                    "the Entra admin center shows it",
                    "%s '%s' is not a GUID", flag, q.text);
}

int setup_check_namespace(const char *value)
{
    struct m365id__quoted q;

    if (dns_label_len(value) == strlen(value))
        return 0;
    m365id__quote(&q, value);
    return cli_fail(CLI_EXIT_USAGE,
                    "a namespace name is a DNS-1123 label: 1 to 63 lower-case letters, digits "
                    "and '-', starting and ending with a letter or digit (e.g. terraform-m365)",
                    "--namespace '%s' is not a valid Kubernetes namespace name", q.text);
}

int setup_check_service_account(const char *value)
{
    struct m365id__quoted q;
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
    m365id__quote(&q, value);
    return cli_fail(CLI_EXIT_USAGE,
                    "a service account name is a DNS-1123 subdomain: at most 253 lower-case "
                    "letters, digits, '-' and '.', each '.'-separated part starting and ending "
                    "with a letter or digit (e.g. terraform-m365-sa)",
                    "--service-account '%s' is not a valid Kubernetes service account name",
                    q.text);
}

int setup_check_job_name(const char *value)
{
    struct m365id__quoted q;

    /* Job names are subdomains, but the controller copies the name into the pods' label
     * batch.kubernetes.io/job-name, whose values are limited to 63 characters. */
    if (dns_label_len(value) == strlen(value))
        return 0;
    m365id__quote(&q, value);
    return cli_fail(CLI_EXIT_USAGE,
                    "use 1 to 63 lower-case letters, digits and '-', starting and ending with a "
                    "letter or digit (e.g. terraform-apply)",
                    "--job-name '%s' is not a valid Kubernetes Job name", q.text);
}

int setup_check_fic_name(const char *value)
{
    struct m365id__quoted q;
    size_t len = strlen(value);
    int ok = len >= FIC_NAME_MIN && len <= FIC_NAME_MAX && isalnum((unsigned char)value[0]);

    for (size_t i = 0; ok && i < len; i++) {
        unsigned char c = (unsigned char)value[i];

        ok = (isalnum(c) && c < 0x80) || c == '-' || c == '_';
    }
    if (ok)
        return 0;
    m365id__quote(&q, value);
    return cli_fail(CLI_EXIT_USAGE,
                    "Entra ID accepts 3 to 120 letters, digits, '-' and '_', starting with a "
                    "letter or digit (e.g. kubernetes-federated-credential)",
                    "--fic-name '%s' is not a valid federated credential name", q.text);
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
    m365id__quote(&q, value);
    if (ok && setup_utf8_length(&chars, value) < 0) {
        /* Graph takes JSON, which must be UTF-8, and the script would pass the raw bytes on. */
        return cli_fail(CLI_EXIT_USAGE,
                        "write the name in UTF-8, as a terminal with a UTF-8 locale does",
                        "--app-name '%s' is not valid UTF-8", q.text);
    }
    if (ok && chars > APP_NAME_MAX) {
        return cli_fail(CLI_EXIT_USAGE, "shorten the name to at most 256 characters",
                        "--app-name '%s' has %zu characters, more than the 256 Entra ID accepts",
                        q.text, chars);
    }
    if (ok)
        return 0;
    return cli_fail(CLI_EXIT_USAGE,
                    "use 1 to 256 characters without control characters or surrounding spaces "
                    "(e.g. terraform-m365-provider)",
                    "--app-name '%s' is not a usable application display name", q.text);
}

int setup_check_image(const char *value)
{
    struct m365id__quoted q;
    size_t len = strlen(value);
    int ok = len > 0 && len <= IMAGE_MAX;

    for (size_t i = 0; ok && i < len; i++)
        ok = (unsigned char)value[i] > 0x20 && (unsigned char)value[i] < 0x7f;
    if (ok)
        return 0;
    m365id__quote(&q, value);
    return cli_fail(CLI_EXIT_USAGE,
                    "pass an image reference such as hashicorp/terraform:1.9 (printable "
                    "characters, no spaces)",
                    "--image '%s' is not a container image reference", q.text);
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
    struct m365id__quoted q;
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
    m365id__quote(&q, value);
    return cli_fail(CLI_EXIT_USAGE,
                    "pass the cluster's issuer exactly as "
                    "'kubectl get --raw /.well-known/openid-configuration | jq -r .issuer' "
                    "prints it, trailing slash included, or use --issuer-from-cluster in a pod",
                    "%s '%s' %s", origin, q.text, why);
}

/* Edit distance between @p a and @p b ignoring case, for names of at most 127 characters. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t row[128];
    size_t la = strlen(a);
    size_t lb = strlen(b);

    if (la > 127 || lb > 127)
        return (size_t)-1;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diagonal = row[0];

        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t above = row[j];
            size_t cost = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]) ? 0 : 1;
            size_t best = diagonal + cost;

            if (above + 1 < best)
                best = above + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            diagonal = above;
            row[j] = best;
        }
    }
    return row[lb];
}

/* Nonzero when @p haystack contains @p needle, ignoring case. */
static int contains_nocase(const char *haystack, const char *needle)
{
    size_t len = strlen(needle);

    for (; *haystack != '\0'; haystack++) {
        if (strncasecmp(haystack, needle, len) == 0)
            return 1;
    }
    return 0;
}

int setup_add_permission(struct setup_spec *spec, const char *name)
{
    struct m365id__buf close = M365ID__BUF_INIT(2048);
    struct m365id__quoted q;
    const char *id = m365id_graph_app_role_id(name);
    const char *candidate;
    size_t shown = 0;
    size_t limit;
    int status;

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
    limit = strlen(name) / 4 > 3 ? strlen(name) / 4 : 3;
    for (size_t i = 0; shown < 6 && m365id_graph_app_role_at(i, &candidate, NULL); i++) {
        if (edit_distance(name, candidate) > limit &&
            !(strlen(name) >= 4 && contains_nocase(candidate, name)))
            continue;
        m365id__buf_printf(&close, "%s%s", shown > 0 ? ", " : "", candidate);
        shown++;
    }
    m365id__quote(&q, name);
    if (shown > 0) {
        status = cli_fail(CLI_EXIT_USAGE,
                          "names are case-sensitive; 'm365id setup --list-permissions' prints "
                          "the table",
                          "unknown Graph application permission '%s'; close names: %s", q.text,
                          m365id__buf_cstr(&close));
    } else {
        status = cli_fail(CLI_EXIT_USAGE,
                          "'m365id setup --list-permissions' prints the permissions it knows",
                          "unknown Graph application permission '%s'", q.text);
    }
    m365id__buf_clear(&close);
    return status;
}

void setup_list_permissions(void)
{
    const char *name;
    const char *id;

    for (size_t i = 0; m365id_graph_app_role_at(i, &name, &id); i++)
        printf("%-48s %s\n", name, id);
}
