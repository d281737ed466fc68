// SPDX-License-Identifier: Apache-2.0
// Copyright (c) the m365id contributors
//
// Peer client for the compatibility test: @azure/identity's WorkloadIdentityCredential gets a Graph
// token from the environment a pod has (AZURE_CLIENT_ID, AZURE_TENANT_ID,
// AZURE_FEDERATED_TOKEN_FILE, AZURE_AUTHORITY_HOST) and calls GET {graph}/v1.0/organization.
// Prints one JSON object with the token's claims, never the token itself.
//
// Usage: node azure_identity.mjs NODE_MODULES_DIR GRAPH_ENDPOINT

import { createRequire } from "node:module";
import https from "node:https";
import path from "node:path";

const [nodeModules, graphEndpoint] = process.argv.slice(2);
if (!nodeModules || !graphEndpoint) {
    console.error("usage: node azure_identity.mjs NODE_MODULES_DIR GRAPH_ENDPOINT");
    process.exit(2);
}

// Load the pinned package from tools/npm rather than from a node_modules next to this file.
const require = createRequire(path.join(nodeModules, "noop.js"));
const { WorkloadIdentityCredential } = require("@azure/identity");

// JWT-shaped substrings are cut from any error text before it is printed.
const redact = (text) => String(text).replace(/eyJ[\w-]*\.[\w-]*\.[\w-]*/g, "<jwt>");

function decodeClaims(jwt) {
    const parts = jwt.split(".");
    if (parts.length !== 3) {
        throw new Error(`access token has ${parts.length} dot-separated parts, expected 3`);
    }
    return JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
}

// GET with the bearer token; NODE_EXTRA_CA_CERTS makes the emulator's CA trusted here.
function graphGet(url, token) {
    return new Promise((resolve, reject) => {
        const req = https.get(url, { headers: { Authorization: `Bearer ${token}` } }, (res) => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (chunk) => { body += chunk; });
            res.on("end", () => resolve({ status: res.statusCode, body }));
        });
        req.setTimeout(20000, () => req.destroy(new Error(`GET ${url} timed out after 20 s`)));
        req.on("error", reject);
    });
}

const result = { ok: false };
try {
    // The emulator's host is not on MSAL's list of known Entra hosts. Without this option MSAL
    // would ask login.microsoftonline.com to validate it.
    const credential = new WorkloadIdentityCredential({ disableInstanceDiscovery: true });
    const token = await credential.getToken("https://graph.microsoft.com/.default");
    const claims = decodeClaims(token.token);
    result.ok = true;
    result.expires_on_ms = token.expiresOnTimestamp;
    result.claims = {
        aud: claims.aud, appid: claims.appid, tid: claims.tid, roles: claims.roles,
        iss: claims.iss, idtyp: claims.idtyp,
    };
    const graph = await graphGet(`${graphEndpoint.replace(/\/+$/, "")}/v1.0/organization`, token.token);
    result.graph_status = graph.status;
    try {
        const value = JSON.parse(graph.body).value;
        result.graph_org_count = Array.isArray(value) ? value.length : null;
        result.graph_org_tenant = Array.isArray(value) && value.length > 0 ? value[0].id : null;
    } catch {
        result.graph_body_error = redact(graph.body.slice(0, 300));
    }
} catch (err) {
    result.error_name = err?.name ?? "Error";
    result.error = redact(err?.message ?? err);
}
process.stdout.write(`${JSON.stringify(result)}\n`);
