// SPDX-License-Identifier: Apache-2.0
// Copyright (c) the m365id contributors
//
// Benchmark client: @azure/identity's WorkloadIdentityCredential configured from the pod
// environment (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE, AZURE_AUTHORITY_HOST).
//   once NODE_MODULES_DIR   one exchange, the token printed to stdout (the benchmark discards it)
//   loop NODE_MODULES_DIR S one exchange, then getToken() served from the cache for S seconds;
//                           prints {"lookups":N,"seconds":S}

import { createRequire } from "node:module";
import path from "node:path";

const [mode, nodeModules, secondsArg] = process.argv.slice(2);
if ((mode !== "once" && mode !== "loop") || !nodeModules) {
    console.error("usage: node azure_identity.mjs once|loop NODE_MODULES_DIR [SECONDS]");
    process.exit(2);
}
const require = createRequire(path.join(nodeModules, "noop.js"));
const { WorkloadIdentityCredential } = require("@azure/identity");

const scope = "https://graph.microsoft.com/.default";
// MSAL would otherwise ask login.microsoftonline.com to validate the emulator's host.
const credential = new WorkloadIdentityCredential({ disableInstanceDiscovery: true });
const first = await credential.getToken(scope);

if (mode === "once") {
    process.stdout.write(`${first.token}\n`);
} else {
    const seconds = Number(secondsArg ?? "2");
    const end = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
    let lookups = 0;
    while (process.hrtime.bigint() < end) {
        await credential.getToken(scope);
        lookups++;
    }
    process.stdout.write(`${JSON.stringify({ lookups, seconds })}\n`);
}
