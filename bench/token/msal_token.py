# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Benchmark client: MSAL Python (Debian's python3-msal) exchanges the federated token file for a
# Graph token with a client assertion, as a pod would, and prints the token to stdout (the
# benchmark discards it). Reads AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE,
# AZURE_AUTHORITY_HOST and REQUESTS_CA_BUNDLE.
import os
import sys

import msal


def main():
    with open(os.environ["AZURE_FEDERATED_TOKEN_FILE"], encoding="ascii") as f:
        assertion = f.read().strip()
    authority = os.environ["AZURE_AUTHORITY_HOST"].rstrip("/") + "/" + os.environ["AZURE_TENANT_ID"]
    app = msal.ConfidentialClientApplication(
        os.environ["AZURE_CLIENT_ID"],
        client_credential={"client_assertion": assertion},
        authority=authority,
        # The emulator's host is not a known Entra host: skip authority validation and
        # instance discovery, which would ask login.microsoftonline.com.
        validate_authority=False,
        instance_discovery=False,
        verify=os.environ["REQUESTS_CA_BUNDLE"],
    )
    result = app.acquire_token_for_client(scopes=["https://graph.microsoft.com/.default"])
    if "access_token" not in result:
        print("msal_token: error: %s: %s" % (result.get("error"), result.get("error_description")),
              file=sys.stderr)
        return 1
    sys.stdout.write(result["access_token"] + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
