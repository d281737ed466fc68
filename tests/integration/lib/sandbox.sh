# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Isolation of a client test from the host it runs on: sourced by the CLI and OpenTofu tests'
# common.sh. Source it from bash.
#
#   sandbox_env [PREFIX...]   unset every M365_* and AZURE_* variable, and PREFIX_* for each
#                             PREFIX given (e.g. TF), so that the test uses only the settings
#                             it makes itself; send requests to any host but loopback to the
#                             closed port 127.0.0.1:9, so that a client that picks a real
#                             cloud's endpoint fails locally instead of reaching the internet

sandbox_env() {
    local prefixes='M365|AZURE' prefix var

    for prefix in "$@"; do
        prefixes+="|$prefix"
    done
    for var in $(compgen -e | grep -E "^($prefixes)_" || true); do
        unset "$var"
    done
    export https_proxy=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9
    export http_proxy=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9
    export no_proxy=127.0.0.1,localhost,::1 NO_PROXY=127.0.0.1,localhost,::1
}
