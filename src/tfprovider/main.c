/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * terraform-provider-microsoft365: the go-plugin handshake (magic cookie, protocol version,
 * private unix socket, AutoMTLS certificate, the one stdout line) and signal handling. The
 * gRPC server is in server.c, the RPCs in rpc_*.c.
 */
#include <grpc/grpc.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "tfprovider/provider.h"
#include "tfprovider/server.h"

/* The go-plugin handshake cookie of Terraform and OpenTofu providers. */
#define COOKIE_KEY "TF_PLUGIN_MAGIC_COOKIE"
#define COOKIE_VALUE "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
#define PROTOCOL_VERSION 6

static struct timespec started; /* CLOCK_MONOTONIC at the start of main() */
static char socket_dir[PATH_MAX];
static char socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

static void cleanup_socket(void)
{
    if (socket_path[0] != '\0')
        unlink(socket_path);
    if (socket_dir[0] != '\0')
        rmdir(socket_dir);
}

/* The peak resident set of this process image in KiB from VmHWM in /proc/self/status, or -1.
 * getrusage()'s ru_maxrss does not fit, because Linux carries it across execve(). A Go host
 * such as tofu starts plugins with vfork and exec, so ru_maxrss is at least the host's own
 * resident size (about 55 MiB for tofu 1.6.2), whatever the provider uses. */
static long peak_rss_kib(void)
{
    char line[128];
    long kib = -1;
    FILE *f = fopen("/proc/self/status", "r");

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, "VmHWM:", 6) == 0) {
            char *end;

            kib = strtol(line + 6, &end, 10);
            if (end == line + 6)
                kib = -1;
            break;
        }
    }
    fclose(f);
    return kib;
}

/* Write one line with the process's lifetime, CPU time and peak RSS to stderr, which the host
 * copies into its log (TF_LOG=debug); bench/provider/run reads it. */
static void log_usage(void)
{
    struct rusage ru;
    struct timespec now;
    long long alive_ms;

    if (getrusage(RUSAGE_SELF, &ru) != 0 || clock_gettime(CLOCK_MONOTONIC, &now) != 0)
        return;
    alive_ms = (long long)(now.tv_sec - started.tv_sec) * 1000 +
               (now.tv_nsec - started.tv_nsec) / 1000000;
    fprintf(stderr,
            "terraform-provider-microsoft365: exiting after %lld ms: CPU user %lld us, "
            "system %lld us, max RSS %ld KiB\n",
            alive_ms, (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec,
            (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec, peak_rss_kib());
    fflush(stderr);
}

void tfp_exit_now(int status)
{
    cleanup_socket();
    if (status == 0)
        log_usage();
    _exit(status);
}

static void on_sigterm(int sig)
{
    (void)sig;
    tfp_server_stop();
}

/* 1 when the comma-separated list @p versions offers protocol 6. An unset list means the
 * host did not negotiate, and go-plugin then uses the plugin's own version. */
static int offers_protocol(const char *versions)
{
    const char *p = versions;

    if (versions == NULL || versions[0] == '\0')
        return 1;
    while (*p != '\0') {
        const char *comma = strchr(p, ',');
        size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);

        while (len > 0 && *p == ' ') {
            p++;
            len--;
        }
        while (len > 0 && p[len - 1] == ' ')
            len--;
        if (len == 1 && *p == '0' + PROTOCOL_VERSION)
            return 1;
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    return 0;
}

static int socket_create_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    int n;

    if (tmp == NULL || tmp[0] == '\0')
        tmp = "/tmp";
    n = snprintf(socket_dir, sizeof(socket_dir), "%s/tfp-m365-XXXXXX", tmp);
    if (n < 0 || (size_t)n >= sizeof(socket_dir) || mkdtemp(socket_dir) == NULL) {
        socket_dir[0] = '\0';
        fprintf(stderr, "terraform-provider-microsoft365: error: cannot create a private "
                        "directory under '%s' for the plugin socket; set TMPDIR to a writable "
                        "directory\n", tmp);
        return -1;
    }
    n = snprintf(socket_path, sizeof(socket_path), "%s/plugin.sock", socket_dir);
    if (n < 0 || (size_t)n >= sizeof(socket_path)) {
        socket_path[0] = '\0';
        fprintf(stderr, "terraform-provider-microsoft365: error: the socket path under '%s' "
                        "exceeds %zu bytes; set TMPDIR to a shorter directory\n",
                socket_dir, sizeof(socket_path) - 1);
        return -1;
    }
    return 0;
}

int main(void)
{
    const char *cookie = getenv(COOKIE_KEY);
    grpc_server_credentials *creds;
    struct sigaction sa;
    char address[sizeof(socket_path) + 8];
    char *cert_b64 = NULL;

    clock_gettime(CLOCK_MONOTONIC, &started);
    if (cookie == NULL || strcmp(cookie, COOKIE_VALUE) != 0) {
        fprintf(stderr,
                "This binary is a plugin. These are not meant to be executed directly.\n"
                "terraform-provider-microsoft365 is started by OpenTofu or Terraform: declare\n"
                "the provider in a configuration and run `tofu init` or `terraform init`.\n");
        return 1;
    }
    if (!offers_protocol(getenv("PLUGIN_PROTOCOL_VERSIONS"))) {
        fprintf(stderr, "terraform-provider-microsoft365: error: the host offers plugin "
                        "protocol versions '%s', but this provider speaks only version %d; use "
                        "OpenTofu 1.0 or Terraform 0.15 or later\n",
                getenv("PLUGIN_PROTOCOL_VERSIONS"), PROTOCOL_VERSION);
        return 1;
    }

    /* Ctrl-C reaches the whole process group; the host stops providers through RPCs. */
    signal(SIGINT, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigterm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);

    grpc_init();
    tfp_provider_init();
    if (socket_create_dir() < 0)
        tfp_exit_now(1);
    creds = tfp_tls_credentials(&cert_b64, getenv("PLUGIN_CLIENT_CERT"));
    if (creds == NULL)
        tfp_exit_now(1);
    snprintf(address, sizeof(address), "unix:%s", socket_path);
    if (tfp_server_start(address, creds) < 0) {
        grpc_server_credentials_release(creds);
        if (tfp_tls_client_cert_check(getenv("PLUGIN_CLIENT_CERT")) == 0)
            fprintf(stderr, "terraform-provider-microsoft365: error: cannot listen on '%s'\n",
                    address);
        tfp_exit_now(1);
    }
    grpc_server_credentials_release(creds);

    /* The handshake line: core protocol 1, app protocol 6, network, address, grpc, and the
     * certificate the host pins (empty in plaintext mode). */
    printf("1|%d|unix|%s|grpc|%s\n", PROTOCOL_VERSION, socket_path,
           cert_b64 != NULL ? cert_b64 : "");
    fflush(stdout);
    free(cert_b64);
    /* Nothing else may reach stdout: anything a library prints goes to stderr from now on. */
    if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
        tfp_exit_now(1);

    tfp_server_run();
    tfp_exit_now(0);
}
