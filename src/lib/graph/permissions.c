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

/* Sorted by name. Source: Microsoft Graph permissions reference (application permissions). */
static const struct app_role app_roles[] = {
    {"AppRoleAssignment.ReadWrite.All", "06b708a9-e830-4db3-a914-8e69da51d44f"},
    {"Application.Read.All", "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30"},
    {"Application.ReadWrite.All", "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9"},
    {"Application.ReadWrite.OwnedBy", "18a4783c-866b-4cc7-a460-3d5e5662c884"},
    {"DeviceManagementApps.Read.All", "7a6ee1e7-141e-4cec-ae74-d9db155731ff"},
    {"DeviceManagementApps.ReadWrite.All", "78145de6-330d-4800-a6ce-494ff2d33d07"},
    {"DeviceManagementConfiguration.Read.All", "dc377aa6-52d8-4e23-b271-2a7ae04cedf3"},
    {"DeviceManagementConfiguration.ReadWrite.All", "9241abd9-d0e6-425a-bd4f-47ba86e767a4"},
    {"DeviceManagementManagedDevices.Read.All", "2f51be20-0bb4-4fed-bf7b-db946066c75e"},
    {"DeviceManagementManagedDevices.ReadWrite.All", "243333ab-4d21-40cb-a475-36241daa0842"},
    {"DeviceManagementRBAC.Read.All", "58ca0d9a-1575-47e1-a3cb-007ef2e4583b"},
    {"DeviceManagementRBAC.ReadWrite.All", "e330c4f0-4170-414e-a55a-2f022ec2b57b"},
    {"DeviceManagementServiceConfig.Read.All", "06a5fe6d-c49d-46a7-b082-56b1b14103c7"},
    {"DeviceManagementServiceConfig.ReadWrite.All", "5ac13192-7ace-4fcf-b828-1a26f28068ee"},
    {"Directory.Read.All", "7ab1d382-f21e-4acd-a863-ba3e13f7da61"},
    {"Directory.ReadWrite.All", "19dbc75e-c2e2-444c-a770-ec69d8559fc7"},
    {"Domain.Read.All", "dbb9058a-0e50-45d7-ae91-66909b5d4664"},
    {"Group.Read.All", "5b567255-7703-4780-807c-7be8301ae99b"},
    {"Group.ReadWrite.All", "62a82d76-70ea-41e2-9197-370581804d09"},
    {"GroupMember.Read.All", "98830695-27a2-44f7-8c18-0c3ebc9698f6"},
    {"Organization.Read.All", "498476ce-e0fe-48b0-b801-37ba7e2685c6"},
    {"Organization.ReadWrite.All", "292d869f-3427-49a8-9dab-8c70152b74e9"},
    {"Policy.Read.All", "246dd0d5-5bd0-4def-940b-0421030a5b68"},
    {"Policy.ReadWrite.ConditionalAccess", "01c0a623-fc9b-48e9-b794-0756f8e8f067"},
    {"RoleManagement.ReadWrite.Directory", "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8"},
    {"Sites.Read.All", "332a536c-c7ef-4017-ab91-336970924f0d"},
    {"Sites.ReadWrite.All", "9492366f-7969-46a4-8d15-ed1a20078fff"},
    {"User.Read.All", "df021288-bdef-4463-88db-98f22de89214"},
    {"User.ReadWrite.All", "741f803b-c850-494e-b5df-cde7c675a1ca"},
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
