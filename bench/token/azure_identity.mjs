// SPDX-License-Identifier: Apache-2.0
// Copyright (c) the m365id contributors
//
// Benchmark client: @azure/identity's WorkloadIdentityCredential configured from the pod
// environment (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE, AZURE_AUTHORITY_HOST).
//   once NODE_MODULES_DIR   one exchange, the token printed to stdout (the benchmark discards it)
//   loop NODE_MODULES_DIR S [LOOPS]
//                           one exchange, then getToken() served from the cache for S seconds
//                           by LOOPS (default 1) async loops sharing the credential; prints
//                           {"loops":N,"lookups":TOTAL,"per_loop":[...],"seconds":S}
//                           Node.js runs them on one thread, interleaved at each await.

import { createRequire } from "node:module";
import path from "node:path";

const [mode, nodeModules, secondsArg, loopsArg] = process.argv.slice(2);
if ((mode !== "once" && mode !== "loop") || !nodeModules) {
    console.error("usage: node azure_identity.mjs once|loop NODE_MODULES_DIR [SECONDS [LOOPS]]");
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
    const loops = Number(loopsArg ?? "1");
    if (!(seconds > 0 && seconds <= 60) || !Number.isInteger(loops) || loops < 1 || loops > 16) {
        console.error(`azure_identity.mjs: error: invalid SECONDS '${secondsArg}' or LOOPS '${loopsArg}'`);
        console.error("azure_identity.mjs: hint: pass SECONDS from 0 to 60 and LOOPS from 1 to 16");
        process.exit(2);
    }
    const end = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
    const lookupLoop = async () => {
        let lookups = 0;
        while (process.hrtime.bigint() < end) {
            await credential.getToken(scope);
            lookups++;
        }
        return lookups;
    };
    const perLoop = await Promise.all(Array.from({ length: loops }, lookupLoop));
    const lookups = perLoop.reduce((sum, n) => sum + n, 0);
    process.stdout.write(`${JSON.stringify({ loops, lookups, per_loop: perLoop, seconds })}\n`);
}
