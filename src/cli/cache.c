/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The per-user token cache file behind --cache: the private directory and its checks, the key
 * that keeps identities, authorities, scopes and auth methods apart, and reading and atomically
 * replacing tokens.json under a flock(2) lock. The in-process cache is the library's.
 */
#include "cli/cache.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/quote.h"
#include "util/secret.h"
#include "util/strutil.h"
#include "util/timeutil.h"

/* Format version of tokens.json; a file with another version is replaced. */
#define CACHE_FORMAT_VERSION 1

/* Access tokens are 1 to 4 KiB, so 64 entries fit well within 1 MiB. A larger file was not
 * written by m365id and is replaced rather than read whole. */
#define CACHE_FILE_MAX (1024u * 1024u)
#define CACHE_ENTRIES_MAX 64u

/* Maximum wait for another m365id process's lock before going on without the cache. The lock
 * is held only while the file is read or replaced, never during a request. */
#define CACHE_LOCK_WAIT_MS 10000LL
#define CACHE_LOCK_POLL_MS 50LL

#define CACHE_LOCK_NAME "tokens.lock"
#define CACHE_TEMP_NAME "tokens.json.tmp"

/* The open cache directory of one command run. */
struct token_cache {
    char dir[PATH_MAX];      /* for messages */
    char file[PATH_MAX];     /* dir + "/tokens.json", for messages */
    int dir_fd;              /* O_DIRECTORY descriptor checked for owner and mode */
    int lock_fd;             /* tokens.lock, or -1 */
    json_t *key;             /* the settings that select a token, see cache_key_build() */
    int verbosity;           /* number of -v */
    int file_warned;         /* a warning about the file's content was already printed */
};

static void cache_log(const struct token_cache *c, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Log through the command's stderr callback when -v allows @p level (warnings by default). */
static void cache_log(const struct token_cache *c, int level, const char *fmt, ...)
{
    char message[1024];
    va_list ap;

    if (level > M365ID_LOG_WARN + c->verbosity)
        return;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    cli_log_stderr(level, "cache", message, NULL);
}

/* --- the key --- */

/* Add the resolved value of setting @p key as member @p name; null when it is unset. */
static int key_add_setting(json_t *obj, const m365id_ctx *ctx, const char *name, const char *key)
{
    const char *value = NULL;

    if (m365id_ctx_setting(&value, NULL, ctx, key) < 0)
        value = NULL;
    return json_object_set_new(obj, name, value != NULL ? json_string(value) : json_null());
}

/*
 * Add member "credential": the fingerprint of the secret material the token is obtained with,
 * so that a changed client secret, a replaced certificate file or another token file gets a
 * token of its own. The certificate counts by path and modification time, other settings by
 * their value. Only the
 * fingerprint is stored, never the material. null when no such setting is set (managed
 * identity, device code).
 */
static int key_add_credential(json_t *obj, const m365id_ctx *ctx)
{
    /* Token files count by path alone: the kubelet rewrites them long before the access
     * token's refresh time, and a rewritten file is the same credential. */
    static const char *const value_settings[] = {
        "entra_id_options.client_secret",
        "entra_id_options.federated_token_file_path",
        "entra_id_options.oidc_token_file_path",
        "entra_id_options.oidc_request_url",
        "entra_id_options.oidc_request_token",
    };
    static const char *const file_settings[] = {
        "entra_id_options.client_certificate",
    };
    struct m365id__buf material = M365ID__SECRET_BUF_INIT(64 * 1024);
    char fp[M365ID_FINGERPRINT_SIZE];
    const char *value;
    struct stat st;
    int rc = 0;

    for (size_t i = 0; i < sizeof(value_settings) / sizeof(value_settings[0]); i++) {
        value = NULL;
        if (m365id_ctx_setting(&value, NULL, ctx, value_settings[i]) == 0 && value != NULL)
            rc |= m365id__buf_printf(&material, "%s=%s\n", value_settings[i], value);
    }
    for (size_t i = 0; i < sizeof(file_settings) / sizeof(file_settings[0]); i++) {
        value = NULL;
        if (m365id_ctx_setting(&value, NULL, ctx, file_settings[i]) < 0 || value == NULL)
            continue;
        /* A file that cannot be read now fails the token request, not the key. */
        if (stat(value, &st) == 0) {
            rc |= m365id__buf_printf(&material, "%s=%s mtime=%lld.%09ld\n", file_settings[i],
                                     value, (long long)st.st_mtim.tv_sec,
                                     (long)st.st_mtim.tv_nsec);
        } else {
            rc |= m365id__buf_printf(&material, "%s=%s\n", file_settings[i], value);
        }
    }
    if (rc != 0) {
        m365id__buf_clear(&material);
        return -1;
    }

    if (material.len == 0) {
        rc = json_object_set_new(obj, "credential", json_null());
    } else {
        m365id_fingerprint(fp, sizeof(fp), m365id__buf_cstr(&material), material.len);
        rc = json_object_set_new(obj, "credential", json_string(fp));
    }
    m365id__buf_clear(&material); /* wipes the secret bytes */
    return rc;
}

/*
 * Build the key of the configured token. As the library's cache keys by token endpoint, client
 * id and scope, this key contains the auth method, cloud, authority host, tenant, client id,
 * scope and the fingerprint of the credential. For managed identity the library picks the
 * endpoint from the environment at each call, so the key contains the identity, the scope and
 * the variables that choose the endpoint.
 * Returns NULL when memory runs out.
 */
static json_t *cache_key_build(const m365id_ctx *ctx)
{
    static const char *const entra_settings[][2] = {
        {"authority_host", "authority_host"},
        {"tenant_id", "tenant_id"},
        {"client_id", "entra_id_options.client_id"},
    };
    static const char *const mi_env[] = {"IDENTITY_ENDPOINT", "AZURE_POD_IDENTITY_AUTHORITY_HOST"};
    const char *method = NULL;
    json_t *key = json_object();
    int rc = 0;

    if (key == NULL)
        return NULL;
    (void)m365id_ctx_setting(&method, NULL, ctx, "auth_method");
    rc |= key_add_setting(key, ctx, "auth_method", "auth_method");
    rc |= key_add_setting(key, ctx, "cloud", "cloud");

    if (method != NULL && strcmp(method, "managed_identity") == 0) {
        rc |= key_add_setting(key, ctx, "managed_identity_id",
                              "entra_id_options.managed_identity_id");
        for (size_t i = 0; i < sizeof(mi_env) / sizeof(mi_env[0]); i++) {
            const char *value = getenv(mi_env[i]);

            rc |= json_object_set_new(key, mi_env[i],
                                      value != NULL ? json_string(value) : json_null());
        }
    } else {
        for (size_t i = 0; i < sizeof(entra_settings) / sizeof(entra_settings[0]); i++)
            rc |= key_add_setting(key, ctx, entra_settings[i][0], entra_settings[i][1]);
    }
    rc |= key_add_setting(key, ctx, "scope", "scope");
    rc |= key_add_credential(key, ctx);

    if (rc != 0) {
        json_decref(key);
        return NULL;
    }
    return key;
}

/* --- the directory --- */

/*
 * Choose the cache directory: $XDG_RUNTIME_DIR/m365id, or /tmp/m365id-<uid> when the variable
 * is unset, empty or relative (the XDG base directory specification requires ignoring a
 * relative path). Returns 0, or -1 when the path does not fit.
 */
static int cache_dir_path(struct token_cache *c)
{
    const char *runtime = getenv("XDG_RUNTIME_DIR");
    int n;

    if (runtime != NULL && runtime[0] != '\0' && runtime[0] != '/') {
        struct m365id__quoted q;

        m365id__quote(&q, runtime);
        cache_log(c, M365ID_LOG_WARN, "XDG_RUNTIME_DIR '%s' is not an absolute path; ignoring it",
                  q.text);
        runtime = NULL;
    }
    if (runtime != NULL && runtime[0] != '\0')
        n = snprintf(c->dir, sizeof(c->dir), "%s/m365id", runtime);
    else
        n = snprintf(c->dir, sizeof(c->dir), "/tmp/m365id-%lu", (unsigned long)geteuid());
    if (n < 0 || (size_t)n >= sizeof(c->dir))
        return -1;
    n = snprintf(c->file, sizeof(c->file), "%s/%s", c->dir, CLI_CACHE_FILE_NAME);
    if (n < 0 || (size_t)n >= sizeof(c->file))
        return -1;
    return 0;
}

/*
 * Create the cache directory if needed and open it. It must be a directory (a symbolic link is
 * rejected, not followed), owned by the current user and of mode 0700, because the tokens in it
 * are secrets. The checks run on the open descriptor, so the path cannot be swapped between
 * check and use. Returns CLI_EXIT_OK or the exit status after printing the error.
 */
static int cache_dir_open(struct token_cache *c)
{
    struct m365id__quoted q;
    struct stat st;
    int created = 0;
    int err;

    m365id__quote(&q, c->dir);
    if (mkdir(c->dir, 0700) == 0) {
        created = 1;
    } else if (errno != EEXIST) {
        err = errno;
        return cli_fail(CLI_EXIT_OTHER,
                        err == ENOENT ? "set XDG_RUNTIME_DIR to an existing directory, or run "
                                        "without --cache"
                                      : "run without --cache, or fix the permissions",
                        "cannot create the token cache directory '%s': %s", q.text,
                        strerror(err));
    }

    c->dir_fd = open(c->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (c->dir_fd < 0) {
        err = errno;
        if (err == ELOOP || err == ENOTDIR) {
            int is_link = lstat(c->dir, &st) == 0 && S_ISLNK(st.st_mode);

            return cli_fail(CLI_EXIT_OTHER,
                            "remove it, or run without --cache; m365id then creates the "
                            "directory itself with mode 0700",
                            "the token cache directory '%s' is %s, not a directory; refusing "
                            "to keep tokens there",
                            q.text, is_link ? "a symbolic link" : "another kind of file");
        }
        return cli_fail(CLI_EXIT_OTHER, "run without --cache, or fix the permissions",
                        "cannot open the token cache directory '%s': %s", q.text, strerror(err));
    }
    /* The umask may have taken bits from the mode given to mkdir(). */
    if (created)
        (void)fchmod(c->dir_fd, 0700);
    if (fstat(c->dir_fd, &st) < 0) {
        err = errno;
        return cli_fail(CLI_EXIT_OTHER, NULL, "cannot check the token cache directory '%s': %s",
                        q.text, strerror(err));
    }
    if (st.st_uid != geteuid()) {
        return cli_fail(CLI_EXIT_OTHER,
                        "run without --cache, or set XDG_RUNTIME_DIR to your own runtime "
                        "directory; never share a token cache between users",
                        "the token cache directory '%s' is owned by uid %lu, not by the current "
                        "user (uid %lu); refusing to keep tokens there",
                        q.text, (unsigned long)st.st_uid, (unsigned long)geteuid());
    }
    if ((st.st_mode & 07777) != 0700) {
        char hint[PATH_MAX + 128];

        snprintf(hint, sizeof(hint),
                 "make it private with 'chmod 700 %s', or remove it so that m365id creates it "
                 "again",
                 q.text);
        return cli_fail(CLI_EXIT_OTHER, hint,
                        "the token cache directory '%s' has mode %04o, not 0700; refusing to "
                        "keep tokens there",
                        q.text, (unsigned int)(st.st_mode & 07777));
    }
    return CLI_EXIT_OK;
}

/*
 * Take the lock file's flock(2) lock, shared or exclusive. Waits up to CACHE_LOCK_WAIT_MS for
 * another process; returns 0, or -1 after a warning when the cache is to be skipped.
 */
static int cache_lock(struct token_cache *c, int operation)
{
    long long waited_ms = 0;
    struct stat st;

    if (c->lock_fd < 0) {
        c->lock_fd = openat(c->dir_fd, CACHE_LOCK_NAME,
                            O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
        if (c->lock_fd < 0 || fstat(c->lock_fd, &st) < 0 || !S_ISREG(st.st_mode) ||
            st.st_uid != geteuid()) {
            struct m365id__quoted q;

            m365id__quote(&q, c->dir);
            cache_log(c, M365ID_LOG_WARN,
                      "cannot use the lock file '" CACHE_LOCK_NAME "' in '%s' (%s); going on "
                      "without the token cache",
                      q.text, c->lock_fd < 0 ? strerror(errno) : "not a file of the current user");
            if (c->lock_fd >= 0)
                close(c->lock_fd);
            c->lock_fd = -1;
            return -1;
        }
    }

    while (flock(c->lock_fd, operation | LOCK_NB) < 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) {
            cache_log(c, M365ID_LOG_WARN, "cannot lock the token cache (%s); going on without it",
                      strerror(errno));
            return -1;
        }
        if (waited_ms >= CACHE_LOCK_WAIT_MS) {
            cache_log(c, M365ID_LOG_WARN,
                      "another m365id process held the token cache lock for %llds; going on "
                      "without the cache",
                      CACHE_LOCK_WAIT_MS / 1000);
            return -1;
        }
        m365id__sleep_ms(CACHE_LOCK_POLL_MS);
        waited_ms += CACHE_LOCK_POLL_MS;
    }
    return 0;
}

static void cache_unlock(struct token_cache *c)
{
    if (c->lock_fd >= 0)
        (void)flock(c->lock_fd, LOCK_UN);
}

/* --- the file --- */

/* Warn once per run that the cache file is unusable and will be replaced. */
static void file_warn(struct token_cache *c, const char *reason)
{
    struct m365id__quoted q;

    if (c->file_warned)
        return;
    c->file_warned = 1;
    m365id__quote(&q, c->file);
    cache_log(c, M365ID_LOG_WARN, "ignoring the token cache file '%s': %s; it is replaced when "
              "the next token is stored", q.text, reason);
}

/* Read up to CACHE_FILE_MAX + 1 bytes of @p fd into a new buffer; the caller wipes it. */
static int read_all(char **out, size_t *len_out, int fd)
{
    char *data = malloc(CACHE_FILE_MAX + 1);
    size_t len = 0;

    *out = NULL;
    *len_out = 0;
    if (data == NULL)
        return -1;
    while (len <= CACHE_FILE_MAX) {
        ssize_t n = read(fd, data + len, CACHE_FILE_MAX + 1 - len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            m365id__wipe(data, len);
            free(data);
            return -1;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    *out = data;
    *len_out = len;
    return 0;
}

/*
 * Read the entries of tokens.json into a new array. A missing file gives an empty array. A file
 * that is not safe (a link, another owner, readable by others) or not a cache file gives an
 * empty array and a warning, so that it is replaced. Returns NULL only when memory runs out.
 */
static json_t *file_read_entries(struct token_cache *c)
{
    char reason[200];
    char *data = NULL;
    size_t len = 0;
    json_t *root = NULL;
    json_t *entries = NULL;
    json_t *result = NULL;
    long long version = 0;
    struct stat st;
    int fd;

    fd = openat(c->dir_fd, CLI_CACHE_FILE_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ELOOP)
            file_warn(c, "it is a symbolic link");
        else if (errno != ENOENT)
            file_warn(c, strerror(errno));
        return json_array();
    }
    if (fstat(fd, &st) < 0) {
        file_warn(c, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        file_warn(c, "it is not a regular file");
        goto out;
    }
    if (st.st_uid != geteuid()) {
        snprintf(reason, sizeof(reason),
                 "it is owned by uid %lu, not by the current user (uid %lu)",
                 (unsigned long)st.st_uid, (unsigned long)geteuid());
        file_warn(c, reason);
        goto out;
    }
    if ((st.st_mode & 0077) != 0) {
        snprintf(reason, sizeof(reason),
                 "its mode %04o lets other users read or write it, want 0600",
                 (unsigned int)(st.st_mode & 07777));
        file_warn(c, reason);
        goto out;
    }
    if (read_all(&data, &len, fd) < 0) {
        file_warn(c, errno != 0 ? strerror(errno) : "read failed");
        goto out;
    }
    if (len > CACHE_FILE_MAX) {
        file_warn(c, "it is larger than 1 MiB");
        goto out;
    }
    if (m365id__json_parse(&root, data, len, NULL, 0) < 0) {
        file_warn(c, "it is not valid JSON");
        goto out;
    }
    if (m365id__json_get_int(&version, root, "version") != M365ID__JSON_OK ||
        version != CACHE_FORMAT_VERSION ||
        m365id__json_get_array(&entries, root, "entries") != M365ID__JSON_OK) {
        file_warn(c, "it is not an m365id token cache of format version 1");
        goto out;
    }
    result = json_incref(entries);

out:
    if (data != NULL) {
        m365id__wipe(data, len);
        free(data);
    }
    json_decref(root); /* the CLI's jansson allocator wipes every block it frees */
    close(fd);
    return result != NULL ? result : json_array();
}

/* Nonzero when @p entry has a usable shape; its members are then set in the out-params. */
static int entry_parse(const json_t *entry, json_t **key, const char **value,
                       long long *expires_on, long long *refresh_on)
{
    const char *p;

    if (!json_is_object(entry))
        return 0;
    *key = json_object_get(entry, "key");
    if (!json_is_object(*key) ||
        m365id__json_get_str(value, entry, "access_token") != M365ID__JSON_OK ||
        m365id__json_get_int(expires_on, entry, "expires_on") != M365ID__JSON_OK ||
        m365id__json_get_int(refresh_on, entry, "refresh_on") != M365ID__JSON_OK)
        return 0;
    /* The value goes into an HTTP header or to stdout as one line. */
    if ((*value)[0] == '\0')
        return 0;
    for (p = *value; *p != '\0'; p++) {
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p == 0x7f)
            return 0;
    }
    return 1;
}

/* Copy the cached token for c->key into @p out when one is still before its refresh time. */
static int cache_lookup(struct cli_token *out, struct token_cache *c)
{
    json_t *entries = NULL;
    json_t *entry;
    long long now = m365id__now_s();
    size_t i;
    int found = 0;

    if (cache_lock(c, LOCK_SH) < 0)
        return 0;
    entries = file_read_entries(c);
    cache_unlock(c);
    if (entries == NULL)
        return 0;

    json_array_foreach(entries, i, entry) {
        json_t *key = NULL;
        const char *value = NULL;
        long long expires_on = 0;
        long long refresh_on = 0;

        if (!entry_parse(entry, &key, &value, &expires_on, &refresh_on) ||
            !json_equal(key, c->key))
            continue;
        /* Never serve a token the library would already refresh. */
        if (now >= refresh_on || now >= expires_on) {
            cache_log(c, M365ID_LOG_DEBUG, "entry due for refresh %llds ago; fetching a new token",
                      now - refresh_on);
            break;
        }
        out->value = m365id__strdup(value);
        if (out->value == NULL)
            break;
        out->expires_on = expires_on;
        out->refresh_on = refresh_on;
        out->cached = 1;
        found = 1;
        break;
    }
    json_decref(entries);
    return found;
}

/* Write @p text to a new temporary file, flush it to disk and rename it over tokens.json. */
static int file_replace(struct token_cache *c, const char *text)
{
    size_t len = strlen(text);
    size_t done = 0;
    int fd;

    /* The lock is held, so a leftover temporary file is from a process that died. */
    if (unlinkat(c->dir_fd, CACHE_TEMP_NAME, 0) < 0 && errno != ENOENT)
        return -1;
    fd = openat(c->dir_fd, CACHE_TEMP_NAME,
                O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    /* The mode given to openat() is reduced by the umask; set exactly 0600. */
    if (fchmod(fd, 0600) < 0)
        goto fail;
    while (done < len) {
        ssize_t n = write(fd, text + done, len - done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            goto fail;
        done += (size_t)n;
    }
    if (fsync(fd) < 0)
        goto fail;
    if (close(fd) < 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (renameat(c->dir_fd, CACHE_TEMP_NAME, c->dir_fd, CLI_CACHE_FILE_NAME) < 0)
        goto fail;
    /* Make the rename itself durable. */
    (void)fsync(c->dir_fd);
    return 0;

fail:
    {
        int err = errno;

        if (fd >= 0)
            close(fd);
        (void)unlinkat(c->dir_fd, CACHE_TEMP_NAME, 0);
        errno = err;
    }
    return -1;
}

/* Add @p token to tokens.json under c->key, dropping entries past their refresh time and any
 * older entry of the same key. Failures are warnings: the command still has its token. */
static void cache_store(struct token_cache *c, const struct cli_token *token)
{
    json_t *old = NULL;
    json_t *live_entries = json_array();
    json_t *doc = NULL;
    json_t *entry;
    char *text = NULL;
    char fp[M365ID_FINGERPRINT_SIZE];
    long long now = m365id__now_s();
    size_t i;
    int locked = 0;

    if (live_entries == NULL || token->refresh_on <= now)
        goto out;
    if (cache_lock(c, LOCK_EX) < 0)
        goto out;
    locked = 1;
    if ((old = file_read_entries(c)) == NULL)
        goto out;

    json_array_foreach(old, i, entry) {
        json_t *key = NULL;
        const char *value = NULL;
        long long expires_on = 0;
        long long refresh_on = 0;

        if (!entry_parse(entry, &key, &value, &expires_on, &refresh_on))
            continue;
        if (now >= refresh_on || now >= expires_on || json_equal(key, c->key))
            continue;
        json_array_append(live_entries, entry);
    }
    /* Oldest first: drop from the front to make room for the new entry. */
    while (json_array_size(live_entries) >= CACHE_ENTRIES_MAX)
        json_array_remove(live_entries, 0);

    entry = json_pack("{s:O, s:s, s:I, s:I}", "key", c->key, "access_token", token->value,
                      "expires_on", (json_int_t)token->expires_on, "refresh_on",
                      (json_int_t)token->refresh_on);
    if (entry == NULL || json_array_append_new(live_entries, entry) < 0)
        goto out;
    doc = json_pack("{s:i, s:O}", "version", CACHE_FORMAT_VERSION, "entries", live_entries);
    if (doc == NULL || (text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL)
        goto out;
    if (file_replace(c, text) < 0) {
        struct m365id__quoted q;

        m365id__quote(&q, c->file);
        cache_log(c, M365ID_LOG_WARN, "cannot write the token cache file '%s': %s", q.text,
                  strerror(errno));
        goto out;
    }
    m365id_fingerprint(fp, sizeof(fp), token->value, strlen(token->value));
    cache_log(c, M365ID_LOG_DEBUG, "stored token %s, %zu entries, refresh in %llds", fp,
              json_array_size(live_entries), token->refresh_on - now);

out:
    if (locked)
        cache_unlock(c);
    m365id__free_secret_str(text);
    json_decref(doc);
    json_decref(live_entries);
    json_decref(old);
}

static void cache_close(struct token_cache *c)
{
    if (c->lock_fd >= 0)
        close(c->lock_fd);
    if (c->dir_fd >= 0)
        close(c->dir_fd);
    json_decref(c->key);
}

/* --- obtaining a token --- */

void cli_token_clear(struct cli_token *token)
{
    m365id__free_secret_str(token->value);
    *token = (struct cli_token)CLI_TOKEN_INIT;
}

/* Acquire a token from the library and copy it into @p out. */
static int token_from_library(struct cli_token *out, m365id_ctx *ctx)
{
    m365id_token *token = NULL;
    int rc;

    if ((rc = m365id_token_acquire(&token, ctx, NULL)) < 0)
        return cli_fail_ctx(ctx, rc);
    out->value = m365id__strdup(m365id_token_value(token));
    out->expires_on = m365id_token_expires_on(token);
    out->refresh_on = m365id_token_refresh_on(token);
    out->cached = m365id_token_is_cached(token);
    m365id_token_free(token);
    if (out->value == NULL)
        return cli_fail(CLI_EXIT_OTHER, NULL, "out of memory copying the access token");
    return CLI_EXIT_OK;
}

int cli_token_obtain(struct cli_token *out, m365id_ctx *ctx, int use_cache, int verbosity)
{
    struct token_cache c = {.dir_fd = -1, .lock_fd = -1, .verbosity = verbosity};
    struct m365id__quoted q;
    int status;

    *out = (struct cli_token)CLI_TOKEN_INIT;
    if (!use_cache)
        return token_from_library(out, ctx);

    if (cache_dir_path(&c) < 0) {
        status = cli_fail(CLI_EXIT_OTHER, "set XDG_RUNTIME_DIR to a shorter path",
                          "the token cache path is longer than %d bytes", PATH_MAX - 1);
        goto out;
    }
    if ((status = cache_dir_open(&c)) != CLI_EXIT_OK)
        goto out;
    if ((c.key = cache_key_build(ctx)) == NULL) {
        status = cli_fail(CLI_EXIT_OTHER, NULL, "out of memory building the token cache key");
        goto out;
    }

    m365id__quote(&q, c.file);
    if (cache_lookup(out, &c)) {
        cache_log(&c, M365ID_LOG_DEBUG, "hit in '%s', refresh in %llds", q.text,
                  out->refresh_on - m365id__now_s());
        status = CLI_EXIT_OK;
        goto out;
    }
    cache_log(&c, M365ID_LOG_DEBUG, "no usable token in '%s'; requesting one", q.text);

    if ((status = token_from_library(out, ctx)) != CLI_EXIT_OK)
        goto out;
    cache_store(&c, out);

out:
    cache_close(&c);
    return status;
}

void cli_cache_help(FILE *fp)
{
    fputs("  --cache                 keep the access token in a per-user file and reuse it\n"
          "                          in later runs until its refresh time:\n"
          "                          $XDG_RUNTIME_DIR/m365id/" CLI_CACHE_FILE_NAME ", or\n"
          "                          /tmp/m365id-UID/" CLI_CACHE_FILE_NAME " without\n"
          "                          XDG_RUNTIME_DIR (directory 0700, file 0600)\n",
          fp);
}
