# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# The emulator scenario of the workload identity guide, shared by the CLI and OpenTofu tests:
# cluster "demo", tenant Contoso and one application federated with the service account
# terraform-m365/terraform-m365-sa, which workload "terraform-apply" runs as.
#
#   demo_scenario TENANT CLIENT ROLES_JSON [USERS_JSON]
#       print the scenario: tenant id TENANT, application CLIENT with the Graph application
#       permissions of the JSON array ROLES_JSON, and the users of USERS_JSON when given

demo_scenario() {
    local scenario

    scenario=$(cat <<EOF_SCENARIO
{
  "clusters": [{"name": "demo", "issuer_trailing_slash": true, "publish_discovery": true}],
  "tenants": [{
    "id": "$1", "cloud": "public",
    "display_name": "Contoso", "domains": ["contoso.onmicrosoft.com"],
    "applications": [{
      "app_id": "$2",
      "display_name": "terraform-m365-provider",
      "roles": $3,
      "federated_credentials": [{"name": "kubernetes-federated-credential",
        "issuer": "\${cluster:demo}",
        "subject": "system:serviceaccount:terraform-m365:terraform-m365-sa",
        "audiences": ["api://AzureADTokenExchange"]}]
    }]
  }],
  "workloads": [{"name": "terraform-apply", "cluster": "demo",
    "namespace": "terraform-m365", "service_account": "terraform-m365-sa",
    "audience": "api://AzureADTokenExchange", "expiration_seconds": 3600,
    "tenant_id": "$1", "client_id": "$2"}],
  "access_token_lifetime_seconds": 3599, "clock_skew_seconds": 60, "legacy_fic_errors": false
}
EOF_SCENARIO
    )
    if [ $# -ge 4 ]; then
        jq --argjson users "$4" '.tenants[0].users = $users' <<<"$scenario"
    else
        printf '%s\n' "$scenario"
    fi
}
