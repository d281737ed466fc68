#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Authority, Graph endpoint, scope and audience from different clouds: the config check names
# each setting with its cloud and source before any request. A combination the library itself
# rejects is reported with the library's message and hint.
. "$(dirname "$0")/common.sh" "$@"

t_scenario
t_start
t_pod_env

# China cloud with the public Graph endpoint.
M365_CLOUD=china M365_GRAPH_ENDPOINT=https://graph.microsoft.com d_run --offline
t_expect_rc 8 "china with the public Graph endpoint"
d_expect config fail
d_expect_finding config fail "settings belong to different clouds"
d_expect_text config "Graph endpoint: https://graph.microsoft.com -> cloud public, gcc (env M365_GRAPH_ENDPOINT)" \
    "scope: https://microsoftgraph.chinacloudapi.cn/.default -> cloud china (default for cloud 'china')" \
    "AADSTS90002" "set cloud (--cloud or M365_CLOUD) to the tenant's cloud"

# Public cloud with a China audience.
M365_FEDERATED_TOKEN_AUDIENCE=api://AzureADTokenExchangeChina d_run --offline
t_expect_rc 8 "public cloud with the China audience"
d_expect_text config "token audience: api://AzureADTokenExchangeChina -> cloud china"

# An authority of one known cloud and a scope of another: the library rejects it, and the
# dependent checks skip.
M365_AUTHORITY_HOST=https://login.microsoftonline.com/ \
    M365_SCOPE=https://microsoftgraph.chinacloudapi.cn/.default d_run
t_expect_rc 8 "authority and scope of two clouds"
d_expect config fail
d_expect_finding config fail "the configuration is not usable: authority host 'https://login.microsoftonline.com/'"
d_expect_text config "set cloud or M365_CLOUD to the tenant's cloud"
d_expect exchange skip
d_expect_text config "'public' or 'gcc' for authority host 'https://login.microsoftonline.com/'"

# A China authority with the public scope: the fix names China, not an unrelated cloud.
AZURE_AUTHORITY_HOST=https://login.chinacloudapi.cn/ d_run --offline
t_expect_rc 8 "China authority, public scope"
d_expect_text config "to the tenant's cloud, which is 'china' for authority host 'https://login.chinacloudapi.cn/'"
! d_text config | grep -qF '"gcchigh"' || t_fail "the fix for a China authority names gcchigh"

# A cloud name of other tools: the hint names the provider's value to use.
M365_CLOUD=usgov d_run --offline
t_expect_rc 8 "cloud usgov"
d_expect_text config "cloud 'usgov' (env M365_CLOUD) is not one of" \
    "\"gcchigh\" (US Government GCC High) or \"dod\" (US Government DoD), the provider's name for 'usgov'"
d_run --offline --cloud AzureChinaCloud
d_expect_text config "to \"china\", the provider's name for 'AzureChinaCloud'"
[ "$(t_stats .token_requests)" -eq 0 ] || t_fail "a token request was sent"
t_pass
