/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Microsoft Graph application permissions by name and id. The ids are the "id" of each entry
 * in the "appRoles" of Graph's service principal (appId 00000003-0000-0000-c000-000000000000),
 * identical in every tenant and cloud; setup needs them for requiredResourceAccess and
 * appRoleAssignments, and the emulator publishes the same table.
 */
#include <string.h>

#include "m365id/graph.h"

struct app_role {
    const char *name;
    const char *id;
};

/* Sorted by name (strcmp order). Source: the "All permissions and IDs" table of the Microsoft
 * Graph permissions reference (application rows), checked entry by entry. */
static const struct app_role app_roles[] = {
    {"AdministrativeUnit.Read.All", "134fd756-38ce-4afd-ba33-e9623dbe66c2"},
    {"AdministrativeUnit.ReadWrite.All", "5eb59dd3-1da2-4329-8733-9dabdc435916"},
    {"AppRoleAssignment.ReadWrite.All", "06b708a9-e830-4db3-a914-8e69da51d44f"},
    {"Application.Read.All", "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30"},
    {"Application.ReadWrite.All", "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9"},
    {"Application.ReadWrite.OwnedBy", "18a4783c-866b-4cc7-a460-3d5e5662c884"},
    {"AuditLog.Read.All", "b0afded3-3588-46d8-8b3d-9842eff778da"},
    {"CloudPC.Read.All", "a9e09520-8ed4-4cde-838e-4fdea192c227"},
    {"CloudPC.ReadWrite.All", "3b4349e1-8cf5-45a3-95b7-69d1751d3e6a"},
    {"Device.Read.All", "7438b122-aefc-4978-80ed-43db9fcc7715"},
    {"Device.ReadWrite.All", "1138cb37-bd11-4084-a2b7-9f71582aeddb"},
    {"DeviceManagementApps.Read.All", "7a6ee1e7-141e-4cec-ae74-d9db155731ff"},
    {"DeviceManagementApps.ReadWrite.All", "78145de6-330d-4800-a6ce-494ff2d33d07"},
    {"DeviceManagementConfiguration.Read.All", "dc377aa6-52d8-4e23-b271-2a7ae04cedf3"},
    {"DeviceManagementConfiguration.ReadWrite.All", "9241abd9-d0e6-425a-bd4f-47ba86e767a4"},
    {"DeviceManagementManagedDevices.PrivilegedOperations.All",
     "5b07b0dd-2377-4e44-a38d-703f09a0dc3c"},
    {"DeviceManagementManagedDevices.Read.All", "2f51be20-0bb4-4fed-bf7b-db946066c75e"},
    {"DeviceManagementManagedDevices.ReadWrite.All", "243333ab-4d21-40cb-a475-36241daa0842"},
    {"DeviceManagementRBAC.Read.All", "58ca0d9a-1575-47e1-a3cb-007ef2e4583b"},
    {"DeviceManagementRBAC.ReadWrite.All", "e330c4f0-4170-414e-a55a-2f022ec2b57b"},
    {"DeviceManagementServiceConfig.Read.All", "06a5fe6d-c49d-46a7-b082-56b1b14103c7"},
    {"DeviceManagementServiceConfig.ReadWrite.All", "5ac13192-7ace-4fcf-b828-1a26f28068ee"},
    {"Directory.Read.All", "7ab1d382-f21e-4acd-a863-ba3e13f7da61"},
    {"Directory.ReadWrite.All", "19dbc75e-c2e2-444c-a770-ec69d8559fc7"},
    {"Domain.Read.All", "dbb9058a-0e50-45d7-ae91-66909b5d4664"},
    {"Domain.ReadWrite.All", "7e05723c-0bb0-42da-be95-ae9f08a6e53c"},
    {"EntitlementManagement.ReadWrite.All", "9acd699f-1e81-4958-b001-93b1d2506e19"},
    {"Group.Create", "bf7b1a76-6e77-406b-b258-bf5c7720e98f"},
    {"Group.Read.All", "5b567255-7703-4780-807c-7be8301ae99b"},
    {"Group.ReadWrite.All", "62a82d76-70ea-41e2-9197-370581804d09"},
    {"GroupMember.Read.All", "98830695-27a2-44f7-8c18-0c3ebc9698f6"},
    {"GroupMember.ReadWrite.All", "dbaae8cf-10b5-4b86-a4a1-f871c94c6695"},
    {"IdentityProvider.ReadWrite.All", "90db2b9a-d928-4d33-a4dd-8442ae3d41e4"},
    {"LicenseAssignment.ReadWrite.All", "5facf0c1-8979-4e95-abcf-ff3d079771c0"},
    {"Organization.Read.All", "498476ce-e0fe-48b0-b801-37ba7e2685c6"},
    {"Organization.ReadWrite.All", "292d869f-3427-49a8-9dab-8c70152b74e9"},
    {"Policy.Read.All", "246dd0d5-5bd0-4def-940b-0421030a5b68"},
    {"Policy.Read.ConditionalAccess", "37730810-e9ba-4e46-b07e-8ca78d182097"},
    {"Policy.ReadWrite.AuthenticationMethod", "29c18626-4985-4dcd-85c0-193eef327366"},
    {"Policy.ReadWrite.Authorization", "fb221be6-99f2-473f-bd32-01c6a0e9ca3b"},
    {"Policy.ReadWrite.ConditionalAccess", "01c0a623-fc9b-48e9-b794-0756f8e8f067"},
    {"Policy.ReadWrite.CrossTenantAccess", "338163d7-f101-4c92-94ba-ca46fe52447c"},
    {"Policy.ReadWrite.PermissionGrant", "a402ca1c-2696-4531-972d-6e5ee4aa11ea"},
    {"Reports.Read.All", "230c1aed-a721-4c5d-9cb4-a90514e508ef"},
    {"RoleManagement.Read.All", "c7fbd983-d9aa-4fa7-84b8-17382c103bc4"},
    {"RoleManagement.Read.Directory", "483bed4a-2ad3-4361-a73b-c83ccdbdc53c"},
    {"RoleManagement.ReadWrite.Directory", "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8"},
    {"Sites.Read.All", "332a536c-c7ef-4017-ab91-336970924f0d"},
    {"Sites.ReadWrite.All", "9492366f-7969-46a4-8d15-ed1a20078fff"},
    {"User.Invite.All", "09850681-111b-4a89-9bed-3f2cae46d706"},
    {"User.Read.All", "df021288-bdef-4463-88db-98f22de89214"},
    {"User.ReadWrite.All", "741f803b-c850-494e-b5df-cde7c675a1ca"},
    {"WindowsUpdates.ReadWrite.All", "7dd1be58-6e76-4401-bf8d-31d1e8180d5b"},
};

#define APP_ROLE_COUNT (sizeof(app_roles) / sizeof(app_roles[0]))

const char *m365id_graph_app_role_id(const char *name)
{
    size_t i;

    if (name == NULL)
        return NULL;
    for (i = 0; i < APP_ROLE_COUNT; i++)
        if (strcmp(app_roles[i].name, name) == 0)
            return app_roles[i].id;
    return NULL;
}

const char *m365id_graph_app_role_name(const char *id)
{
    size_t i;

    if (id == NULL)
        return NULL;
    for (i = 0; i < APP_ROLE_COUNT; i++)
        if (strcmp(app_roles[i].id, id) == 0)
            return app_roles[i].name;
    return NULL;
}

int m365id_graph_app_role_at(size_t index, const char **name, const char **id)
{
    if (index >= APP_ROLE_COUNT)
        return 0;
    if (name != NULL)
        *name = app_roles[index].name;
    if (id != NULL)
        *id = app_roles[index].id;
    return 1;
}
