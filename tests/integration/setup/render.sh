#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# `m365id setup` without --apply. The files written to --output-dir parse (YAML with PyYAML,
# JSON with jq, the script with bash -n) and agree on namespace, service account, client id,
# tenant, subject, issuer and the audience of each cloud. The Job's pod template carries the
# webhook label, and a hostile application name reaches az as one literal argument. The script,
# run with a stand-in az, finds the application by client id only and skips finished steps.
. "$(dirname "$0")/../cli/common.sh" "$@"

TENANT=3f0a1b2c-4d5e-4f60-8a7b-9c0d1e2f3a4b
CLIENT=7e6d5c4b-3a29-4180-9f7e-6d5c4b3a2918
ISSUER="https://oidc.example.test/11111111-2222-3333-4444-555555555555/"

# check_dir DIR NS SA CLOUD AUDIENCE [APP_NAME]: parse and cross-check every file of DIR.
check_dir() {
    local dir=$1 ns=$2 sa=$3 cloud=$4 audience=$5 app=${6:-terraform-m365-provider}
    local f

    for f in entra-setup.sh federated-credential.json serviceaccount.yaml job.yaml provider.tf \
        provider-explicit.tf.example; do
        [ -f "$dir/$f" ] || t_fail "$f was not written"
        [ "$(stat -c %a "$dir/$f")" = 644 ] || t_fail "$f has mode $(stat -c %a "$dir/$f"), expected 644"
    done

    # The federated credential.
    jq -e . "$dir/federated-credential.json" >/dev/null || t_fail "federated-credential.json is not JSON"
    [ "$(jq -r .issuer "$dir/federated-credential.json")" = "$ISSUER" ] || t_fail "FIC issuer"
    [ "$(jq -r .subject "$dir/federated-credential.json")" = "system:serviceaccount:$ns:$sa" ] \
        || t_fail "FIC subject"
    [ "$(jq -c .audiences "$dir/federated-credential.json")" = "[\"$audience\"]" ] \
        || t_fail "FIC audiences for cloud $cloud: $(jq -c .audiences "$dir/federated-credential.json")"
    [ "$(jq -r .name "$dir/federated-credential.json")" = kubernetes-federated-credential ] \
        || t_fail "FIC name"

    # Both manifests, parsed by PyYAML, and the script's variables and FIC parameters.
    python3 - "$dir" "$ns" "$sa" "$CLIENT" "$TENANT" "$cloud" "$app" <<'PY' || t_fail "manifests disagree (see above)"
import json, re, shlex, sys, yaml
d, ns, sa, client, tenant, cloud, app = sys.argv[1:]
def fail(msg):
    print("mismatch:", msg, file=sys.stderr); sys.exit(1)
with open(d + "/serviceaccount.yaml") as f:
    docs = list(yaml.safe_load_all(f))
if len(docs) != 1: fail("serviceaccount.yaml holds %d documents" % len(docs))
s = docs[0]
if s["apiVersion"] != "v1" or s["kind"] != "ServiceAccount": fail("ServiceAccount kind")
if s["metadata"]["name"] != sa: fail("ServiceAccount name %r" % s["metadata"]["name"])
if s["metadata"]["namespace"] != ns: fail("ServiceAccount namespace")
ann = s["metadata"]["annotations"]
if ann["azure.workload.identity/client-id"] != client: fail("client-id annotation %r" % ann)
if ann["azure.workload.identity/tenant-id"] != tenant: fail("tenant-id annotation")
with open(d + "/job.yaml") as f:
    j = yaml.safe_load(f)
if j["apiVersion"] != "batch/v1" or j["kind"] != "Job": fail("Job kind")
if j["metadata"]["namespace"] != ns: fail("Job namespace")
if "labels" in j["metadata"]: fail("the label belongs on the pod template, not the Job")
tpl = j["spec"]["template"]
if tpl["metadata"]["labels"].get("azure.workload.identity/use") != "true":
    fail("pod template label is %r, expected the string 'true'" % tpl["metadata"]["labels"])
if tpl["spec"]["serviceAccountName"] != sa: fail("serviceAccountName")
if tpl["spec"]["restartPolicy"] != "Never": fail("restartPolicy")
c = tpl["spec"]["containers"][0]
env = {e["name"]: e["value"] for e in c["env"]}
want = {"M365_TENANT_ID": tenant, "M365_AUTH_METHOD": "workload_identity",
        "M365_CLIENT_ID": client, "M365_CLOUD": cloud}
if env != want: fail("Job env %r" % env)
if not all(isinstance(x, str) for x in c["command"]): fail("command items are not strings")
if c["resources"]["limits"]["cpu"] != "1": fail("cpu limit must stay the string '1'")
# The script: its variable lines are plain shell assignments of single-quoted words.
assign = {}
with open(d + "/entra-setup.sh") as f:
    for line in f:
        m = re.match(r"^([A-Z_]+)=(.*)$", line.rstrip("\n"))
        if m and m.group(2).startswith("(") and m.group(2).endswith(")"):
            assign[m.group(1)] = shlex.split(m.group(2)[1:-1])
        elif m and not m.group(2).startswith("$") and not m.group(2).startswith("("):
            words = shlex.split(m.group(2))
            if len(words) != 1: fail("%s is not one shell word" % m.group(1))
            assign[m.group(1)] = words[0]
if assign["TENANT_ID"] != tenant or assign["EXPECTED_CLIENT_ID"] != client: fail("script ids")
if assign["APP_NAME"] != app: fail("script APP_NAME %r" % assign["APP_NAME"])
if "APP_FILTER" in assign: fail("the script looks the application up by display name")
graph = {"public": "https://graph.microsoft.com", "gcchigh": "https://graph.microsoft.us",
         "dod": "https://dod-graph.microsoft.us",
         "china": "https://microsoftgraph.chinacloudapi.cn"}[cloud]
if assign["GRAPH_URL"] != graph: fail("script GRAPH_URL %r" % assign["GRAPH_URL"])
with open(d + "/federated-credential.json") as f:
    fic = json.load(f)
if json.loads(assign["FIC_PARAMETERS"]) != fic: fail("script FIC parameters differ from the JSON file")
PY

    bash -n "$dir/entra-setup.sh" || t_fail "entra-setup.sh does not pass bash -n"
    head -1 "$dir/entra-setup.sh" | grep -qx '#!/usr/bin/env bash' || t_fail "script shebang"
    grep -qx 'set -euo pipefail' "$dir/entra-setup.sh" || t_fail "script lacks set -euo pipefail"
    grep -qx -- "ROLE_IDS=('9241abd9-d0e6-425a-bd4f-47ba86e767a4')" "$dir/entra-setup.sh" \
        || t_fail "script lacks the permission id"

    # The provider blocks.
    grep -qF 'source = "deploymenttheory/microsoft365"' "$dir/provider.tf" || t_fail "provider source"
    grep -qF 'auth_method = "workload_identity"' "$dir/provider.tf" || t_fail "provider.tf auth_method"
    grep -qF "cloud       = \"$cloud\"" "$dir/provider.tf" || t_fail "provider.tf cloud"
    grep -qF "tenant_id   = \"$TENANT\"" "$dir/provider-explicit.tf.example" || t_fail "explicit tenant"
    grep -qF "client_id                 = \"$CLIENT\"" "$dir/provider-explicit.tf.example" \
        || t_fail "explicit client_id"
    grep -qF 'federated_token_file_path = "/var/run/secrets/azure/tokens/azure-identity-token"' \
        "$dir/provider-explicit.tf.example" || t_fail "explicit token path"
}

# One render per cloud.
for spec in "public api://AzureADTokenExchange public" "gcchigh api://AzureADTokenExchangeUSGov gcchigh" \
    "dod api://AzureADTokenExchangeUSGov dod" "china api://AzureADTokenExchangeChina china"; do
    read -r cloud audience provider_cloud <<<"$spec"
    dir="$T_DIR/out-$cloud"
    mkdir "$dir"
    t_run setup --tenant-id "$TENANT" --client-id "$CLIENT" --issuer "$ISSUER" --cloud "$cloud" \
        --namespace team-a --service-account graph.reader --output-dir "$dir"
    t_expect_rc 0 "setup --cloud $cloud"
    [ "$(grep -c '^created ' "$T_DIR/out")" -eq 6 ] || t_fail "expected 6 'created' lines"
    check_dir "$dir" team-a graph.reader "$provider_cloud" "$audience"
done

# Defaults of the guide, several permissions, and stdout with one header per file.
t_run setup --tenant-id "$TENANT" --client-id "$CLIENT" --issuer "$ISSUER" \
    --permission User.Read.All --permission Group.Read.All --permission User.Read.All
t_expect_rc 0 "setup to stdout"
[ "$(grep -c '^# ==> ' "$T_DIR/out")" -eq 6 ] || t_fail "stdout should carry 6 headers"
grep -qx -- "ROLE_IDS=('df021288-bdef-4463-88db-98f22de89214' '5b567255-7703-4780-807c-7be8301ae99b')" \
    "$T_DIR/out" || t_fail "permissions are not listed once each, in order"
awk '/^# ==> serviceaccount.yaml/{p=1;next} /^# ==> /{p=0} p' "$T_DIR/out" >"$T_DIR/sa.yaml"
python3 -c 'import sys,yaml; d=yaml.safe_load(open(sys.argv[1])); assert d["metadata"]["namespace"]=="terraform-m365" and d["metadata"]["name"]=="terraform-m365-sa"' \
    "$T_DIR/sa.yaml" || t_fail "the ServiceAccount section on stdout is not the guide's default"

# A hostile application name: the script must pass it to az as one argument, unexpanded.
hostile="x'\"; touch $T_DIR/pwned; echo \$(id) \`id\` \${HOME} 'y"
dir="$T_DIR/out-hostile"
mkdir "$dir"
t_run setup --tenant-id "$TENANT" --client-id "$CLIENT" --issuer "$ISSUER" --app-name "$hostile" \
    --output-dir "$dir"
t_expect_rc 0 "setup with a hostile --app-name"
check_dir "$dir" terraform-m365 terraform-m365-sa public api://AzureADTokenExchange "$hostile"

# A stand-in for az records each call (arguments NUL-separated, one call per line) and answers
# the queries the script makes, so the script runs to the end without a network. AZ_APP_NAME
# is the display name of the application with client id $CLIENT ("" for no such application);
# AZ_REQUESTED and AZ_GRANTED are the permission ids requested and consented already.
mkdir "$T_DIR/bin"
cat >"$T_DIR/bin/az" <<AZ
#!/usr/bin/env bash
printf '%s\0' "\$@" >>"$T_DIR/az.args"
printf '%s\n' "\$*" >>"$T_DIR/az.calls"
case "\$1 \$2 \$3" in
"account show "*) echo "$TENANT" ;;
"ad app show")
    [ -n "\$AZ_APP_NAME" ] && [ "\$5" = "$CLIENT" ] || { echo "ERROR: not found" >&2; exit 3; }
    case "\$7" in
    id) echo 0b0b0b0b-0000-4000-8000-000000000001 ;;
    displayName) printf '%s\n' "\$AZ_APP_NAME" ;;
    esac ;;
"ad app create"|"ad app list") echo "$T_DIR/bin/az: \$*: the script must not do this" >&2; exit 9 ;;
"ad sp show") [ -n "\$AZ_SP" ] && echo 0c0c0c0c-0000-4000-8000-000000000002 || exit 3 ;;
"ad sp create") echo 0c0c0c0c-0000-4000-8000-000000000002 ;;
"ad app permission") [ "\$4" = list ] && printf '%s\n' \$AZ_REQUESTED ;;
"rest --method GET") printf '%s\n' \$AZ_GRANTED ;;
"ad app federated-credential") [ "\$4" = show ] && exit 3 ;;
esac
exit 0
AZ
chmod +x "$T_DIR/bin/az"

# run_script NAME DIR: run DIR/entra-setup.sh with the stand-in; NAME labels its files.
run_script() {
    rm -f "$T_DIR/az.args" "$T_DIR/az.calls"
    set +e
    PATH="$T_DIR/bin:$PATH" bash "$2/entra-setup.sh" >"$T_DIR/script-$1.out" 2>&1
    SCRIPT_RC=$?
    set -e
}

# The hostile name: every value reaches az intact, and nothing is created by name.
AZ_APP_NAME=$hostile AZ_SP="" AZ_REQUESTED="" AZ_GRANTED="" run_script hostile "$dir"
[ "$SCRIPT_RC" -eq 0 ] || { cat "$T_DIR/script-hostile.out" >&2; t_fail "the rendered script failed with the stand-in az"; }
[ ! -e "$T_DIR/pwned" ] || t_fail "the hostile name ran a command"
grep -q 'note: application' "$T_DIR/script-hostile.out" && t_fail "the script reports a name mismatch for the same name"
python3 - "$T_DIR/az.args" "$CLIENT" "$dir" <<'PY' \
    || t_fail "az did not receive the values intact"
import json, sys
args = open(sys.argv[1], "rb").read().split(b"\0")
client = sys.argv[2].encode()
shows = [args[i:i + 5] for i in range(len(args)) if args[i:i + 3] == [b"ad", b"app", b"show"]]
assert shows and all(s == [b"ad", b"app", b"show", b"--id", client] for s in shows), shows
i = args.index(b"--parameters")
fic = json.loads(args[i + 1])
assert fic == json.load(open(sys.argv[3] + "/federated-credential.json")), fic
i = args.index(b"--api-permissions")
assert args[i + 1] == b"9241abd9-d0e6-425a-bd4f-47ba86e767a4=Role", args[i + 1]
PY
grep -q '^ad app permission admin-consent ' "$T_DIR/az.calls" || t_fail "no admin consent on the first run"
grep -q '^ad sp create ' "$T_DIR/az.calls" || t_fail "no service principal created on the first run"

# The application with this client id has another display name: the script uses it by id,
# notes the name, and never creates or lists applications by name.
dir="$T_DIR/out-old-name"
mkdir "$dir"
t_run setup --tenant-id "$TENANT" --client-id "$CLIENT" --issuer "$ISSUER" --output-dir "$dir"
t_expect_rc 0 "setup for the renamed application"
AZ_APP_NAME=terraform-m365-provider-old AZ_SP=1 AZ_REQUESTED="" AZ_GRANTED="" run_script old "$dir"
[ "$SCRIPT_RC" -eq 0 ] || { cat "$T_DIR/script-old.out" >&2; t_fail "the script failed for an application with another name"; }
grep -qF "note: application $CLIENT is named 'terraform-m365-provider-old', not 'terraform-m365-provider'" \
    "$T_DIR/script-old.out" || t_fail "the script does not note the other display name"
grep -qE '^ad app (create|list)' "$T_DIR/az.calls" && t_fail "the script created or listed applications by name"

# No application with the client id: the script stops before changing anything.
AZ_APP_NAME="" AZ_SP="" AZ_REQUESTED="" AZ_GRANTED="" run_script missing "$dir"
[ "$SCRIPT_RC" -eq 1 ] || t_fail "the script exited $SCRIPT_RC for a missing application, expected 1"
grep -qF "error: tenant $TENANT has no application with client id $CLIENT" "$T_DIR/script-missing.out" \
    || t_fail "the script does not name the missing client id"
grep -qvE '^(account show|ad app show) ' "$T_DIR/az.calls" && t_fail "the script went on: $(cat "$T_DIR/az.calls")"

# Everything done already: no permission add, no admin consent, no service principal created.
AZ_APP_NAME=terraform-m365-provider AZ_SP=1 AZ_REQUESTED=9241ABD9-D0E6-425A-BD4F-47BA86E767A4 \
    AZ_GRANTED=9241abd9-d0e6-425a-bd4f-47ba86e767a4 run_script done "$dir"
[ "$SCRIPT_RC" -eq 0 ] || { cat "$T_DIR/script-done.out" >&2; t_fail "the script failed on a finished setup"; }
grep -qE '^ad (app permission (add|admin-consent)|sp create) ' "$T_DIR/az.calls" \
    && t_fail "the script repeated a finished step: $(cat "$T_DIR/az.calls")"

# Requested but not consented: consent only.
AZ_APP_NAME=terraform-m365-provider AZ_SP=1 AZ_REQUESTED=9241abd9-d0e6-425a-bd4f-47ba86e767a4 \
    AZ_GRANTED="" run_script consent "$dir"
[ "$SCRIPT_RC" -eq 0 ] || t_fail "the script failed when only consent is missing"
grep -q '^ad app permission add ' "$T_DIR/az.calls" && t_fail "the script requested a permission twice"
grep -q '^ad app permission admin-consent ' "$T_DIR/az.calls" || t_fail "the script skipped a missing consent"

t_pass
