/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The directory store: one mutex, per-tenant collections of JSON objects, cascading deletes,
 * and the snapshot of an application that the token endpoint takes. Seeding is in
 * directory_seed.c, query options in directory_query.c, Graph routes in graph_objects.c.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "directory.h"
#include "directory_internal.h"
#include "m365id/error.h"
#include "util/secret.h"
#include "util/timeutil.h"

void emu_directory_lock(struct emu_directory *dir)
{
    pthread_mutex_lock(&dir->lock);
}

void emu_directory_unlock(struct emu_directory *dir)
{
    pthread_mutex_unlock(&dir->lock);
}

void emu_directory_free(struct emu_directory *dir)
{
    size_t i;

    if (dir == NULL)
        return;
    for (i = 0; i < dir->tenant_count; i++) {
        json_decref(dir->tenants[i].collections);
        json_decref(dir->tenants[i].fic_visible_at);
    }
    free(dir->tenants);
    pthread_mutex_destroy(&dir->lock);
    free(dir);
}

struct emu_dir_tenant *emu_directory_tenant(struct emu_directory *dir,
                                            const struct emu_tenant *tenant)
{
    size_t i;

    for (i = 0; tenant != NULL && i < dir->tenant_count; i++) {
        if (dir->tenants[i].tenant == tenant)
            return &dir->tenants[i];
    }
    return NULL;
}

const struct emu_tenant *emu_dir_tenant_scenario(const struct emu_dir_tenant *dt)
{
    return dt->tenant;
}

const char *emu_dir_graph_sp_id(const struct emu_dir_tenant *dt)
{
    return dt->graph_sp_id;
}

json_t *emu_dir_collection(struct emu_dir_tenant *dt, const char *name, int create)
{
    json_t *c = json_object_get(dt->collections, name);

    if (c != NULL || !create)
        return c;
    c = json_array();
    if (c == NULL || json_object_set_new(dt->collections, name, c) < 0)
        return NULL;
    return c;
}

void emu_dir_collection_drop(struct emu_dir_tenant *dt, const char *name)
{
    json_object_del(dt->collections, name);
}

json_t *emu_dir_find(const json_t *collection, const char *key, const char *value)
{
    size_t i;

    if (value == NULL)
        return NULL;
    for (i = 0; i < json_array_size(collection); i++) {
        json_t *o = json_array_get(collection, i);
        const char *v = json_string_value(json_object_get(o, key));

        if (v != NULL && strcasecmp(v, value) == 0)
            return o;
    }
    return NULL;
}

/* Objects in every collection of @p dt. */
static size_t object_count(const struct emu_dir_tenant *dt)
{
    const char *name;
    json_t *c;
    size_t n = 0;

    json_object_foreach(dt->collections, name, c) {
        (void)name;
        n += json_array_size(c);
    }
    return n;
}

int emu_dir_insert(struct emu_dir_tenant *dt, json_t *collection, json_t *obj)
{
    if (object_count(dt) >= EMU_DIR_TENANT_OBJECTS_MAX) {
        json_decref(obj);
        return 1;
    }
    if (json_array_append_new(collection, obj) < 0)
        return M365ID_ENOMEM;
    return 0;
}

void emu_dir_remove(json_t *collection, const json_t *obj)
{
    size_t i;

    for (i = 0; i < json_array_size(collection); i++) {
        if (json_array_get(collection, i) == obj) {
            json_array_remove(collection, i);
            return;
        }
    }
}

void emu_dir_delete_service_principal(struct emu_dir_tenant *dt, const json_t *sp)
{
    json_t *assignments = emu_dir_collection(dt, EMU_DIR_APP_ROLE_ASSIGNMENTS, 0);
    json_t *sps = emu_dir_collection(dt, EMU_DIR_SERVICE_PRINCIPALS, 0);
    const char *sp_id = json_string_value(json_object_get(sp, "id"));
    size_t i = 0;

    while (sp_id != NULL && i < json_array_size(assignments)) {
        const json_t *a = json_array_get(assignments, i);
        const char *principal = json_string_value(json_object_get(a, "principalId"));
        const char *resource = json_string_value(json_object_get(a, "resourceId"));

        if ((principal != NULL && strcasecmp(principal, sp_id) == 0) ||
            (resource != NULL && strcasecmp(resource, sp_id) == 0))
            json_array_remove(assignments, i);
        else
            i++;
    }
    emu_dir_remove(sps, sp);
}

void emu_dir_fic_collection_name(char *out, size_t size, const char *app_object_id)
{
    snprintf(out, size, "%s/%s/%s", EMU_DIR_APPLICATIONS, app_object_id, EMU_DIR_FICS);
}

void emu_dir_delete_application(struct emu_dir_tenant *dt, const json_t *app)
{
    json_t *apps = emu_dir_collection(dt, EMU_DIR_APPLICATIONS, 0);
    json_t *sps = emu_dir_collection(dt, EMU_DIR_SERVICE_PRINCIPALS, 0);
    const char *id = json_string_value(json_object_get(app, "id"));
    const char *app_id = json_string_value(json_object_get(app, "appId"));
    json_t *sp;
    char name[160];

    if (id != NULL) {
        emu_dir_fic_collection_name(name, sizeof(name), id);
        emu_dir_collection_drop(dt, name);
    }
    while (app_id != NULL && (sp = emu_dir_find(sps, "appId", app_id)) != NULL)
        emu_dir_delete_service_principal(dt, sp);
    emu_dir_remove(apps, app);
}

const char *emu_dir_app_role_value(const json_t *sp, const char *role_id)
{
    json_t *roles = json_object_get(sp, "appRoles");
    size_t i;

    for (i = 0; i < json_array_size(roles); i++) {
        const json_t *r = json_array_get(roles, i);
        const char *id = json_string_value(json_object_get(r, "id"));

        if (id != NULL && strcasecmp(id, role_id) == 0)
            return json_string_value(json_object_get(r, "value"));
    }
    return NULL;
}

/* --- the token endpoint's snapshot --- */

void emu_app_snapshot_clear(struct emu_app_snapshot *s)
{
    size_t i;

    free(s->app.app_id);
    free(s->app.display_name);
    free(s->app.sp_id);
    for (i = 0; i < s->app.role_count; i++)
        free(s->app.roles[i]);
    free(s->app.roles);
    for (i = 0; i < s->app.fic_count; i++) {
        free(s->app.fics[i].name);
        free(s->app.fics[i].issuer);
        free(s->app.fics[i].subject);
        free(s->app.fics[i].audience);
    }
    free(s->app.fics);
    memset(s, 0, sizeof(*s));
}

void emu_dir_fic_changed(struct emu_dir_tenant *dt, const char *fic_id)
{
    if (dt->fic_propagation_s <= 0 || fic_id == NULL)
        return;
    json_object_set_new(dt->fic_visible_at, fic_id,
                        json_integer((json_int_t)(m365id__now_s() + dt->fic_propagation_s)));
}

void emu_dir_fic_deleted(struct emu_dir_tenant *dt, const char *fic_id)
{
    if (fic_id != NULL)
        json_object_del(dt->fic_visible_at, fic_id);
}

/* Nonzero while credential @p fic_id is still propagating. */
static int fic_propagating(const struct emu_dir_tenant *dt, const char *fic_id)
{
    const json_t *at = fic_id != NULL ? json_object_get(dt->fic_visible_at, fic_id) : NULL;

    return at != NULL && m365id__now_s() < (long long)json_integer_value(at);
}

/* Copy the federated credentials stored for application object @p app_object_id, leaving out
 * those still propagating. A stored credential always has exactly one audience: Graph rejects
 * any other count. */
static int copy_fics(struct emu_app *app, struct emu_dir_tenant *dt, const char *app_object_id)
{
    char name[160];
    json_t *fics;
    size_t n;
    size_t i;

    emu_dir_fic_collection_name(name, sizeof(name), app_object_id);
    fics = emu_dir_collection(dt, name, 0);
    n = json_array_size(fics);
    if (n == 0)
        return 0;
    app->fics = calloc(n, sizeof(*app->fics));
    if (app->fics == NULL)
        return M365ID_ENOMEM;
    for (i = 0; i < n; i++) {
        const json_t *f = json_array_get(fics, i);
        const char *fname = json_string_value(json_object_get(f, "name"));
        const char *issuer = json_string_value(json_object_get(f, "issuer"));
        const char *subject = json_string_value(json_object_get(f, "subject"));
        const char *audience =
            json_string_value(json_array_get(json_object_get(f, "audiences"), 0));
        struct emu_fic *out = &app->fics[app->fic_count];

        if (fname == NULL || issuer == NULL || subject == NULL || audience == NULL ||
            fic_propagating(dt, json_string_value(json_object_get(f, "id"))))
            continue;
        out->name = strdup(fname);
        out->issuer = strdup(issuer);
        out->subject = strdup(subject);
        out->audience = strdup(audience);
        app->fic_count++;
        if (out->name == NULL || out->issuer == NULL || out->subject == NULL ||
            out->audience == NULL)
            return M365ID_ENOMEM;
    }
    return 0;
}

/* Copy the names of the Microsoft Graph app roles assigned to service principal @p sp_id. */
static int copy_graph_roles(struct emu_app *app, struct emu_dir_tenant *dt, const char *sp_id)
{
    json_t *assignments = emu_dir_collection(dt, EMU_DIR_APP_ROLE_ASSIGNMENTS, 0);
    json_t *graph_sp = emu_dir_find(emu_dir_collection(dt, EMU_DIR_SERVICE_PRINCIPALS, 0), "id",
                                    dt->graph_sp_id);
    size_t n = json_array_size(assignments);
    size_t i;

    if (n == 0 || graph_sp == NULL)
        return 0;
    app->roles = calloc(n, sizeof(*app->roles));
    if (app->roles == NULL)
        return M365ID_ENOMEM;
    for (i = 0; i < n; i++) {
        const json_t *a = json_array_get(assignments, i);
        const char *principal = json_string_value(json_object_get(a, "principalId"));
        const char *resource = json_string_value(json_object_get(a, "resourceId"));
        const char *role_id = json_string_value(json_object_get(a, "appRoleId"));
        const char *value;

        if (principal == NULL || resource == NULL || role_id == NULL ||
            strcasecmp(principal, sp_id) != 0 || strcasecmp(resource, dt->graph_sp_id) != 0)
            continue;
        value = emu_dir_app_role_value(graph_sp, role_id);
        if (value == NULL)
            continue;
        app->roles[app->role_count] = strdup(value);
        if (app->roles[app->role_count] == NULL)
            return M365ID_ENOMEM;
        app->role_count++;
    }
    return 0;
}

int emu_directory_app_snapshot(struct emu_app_snapshot *out, struct emu_directory *dir,
                               const struct emu_tenant *tenant, const char *client_id)
{
    struct emu_app_snapshot s = EMU_APP_SNAPSHOT_INIT;
    struct emu_dir_tenant *dt;
    const json_t *app;
    const json_t *sp;
    const char *object_id;
    const char *display_name;
    int rc = 1;

    memset(out, 0, sizeof(*out));
    emu_directory_lock(dir);
    dt = emu_directory_tenant(dir, tenant);
    app = dt != NULL ? emu_dir_find(emu_dir_collection(dt, EMU_DIR_APPLICATIONS, 0), "appId",
                                    client_id)
                     : NULL;
    if (app == NULL)
        goto out;

    rc = M365ID_ENOMEM;
    object_id = json_string_value(json_object_get(app, "id"));
    display_name = json_string_value(json_object_get(app, "displayName"));
    s.app.app_id = strdup(json_string_value(json_object_get(app, "appId")));
    s.app.display_name = strdup(display_name != NULL ? display_name : "");
    if (s.app.app_id == NULL || s.app.display_name == NULL)
        goto out;
    if (object_id != NULL && (rc = copy_fics(&s.app, dt, object_id)) < 0)
        goto out;
    sp = emu_dir_find(emu_dir_collection(dt, EMU_DIR_SERVICE_PRINCIPALS, 0), "appId",
                      s.app.app_id);
    if (sp != NULL) {
        s.has_service_principal = 1;
        s.app.sp_id = strdup(json_string_value(json_object_get(sp, "id")));
        if (s.app.sp_id == NULL) {
            rc = M365ID_ENOMEM;
            goto out;
        }
        if ((rc = copy_graph_roles(&s.app, dt, s.app.sp_id)) < 0)
            goto out;
    }

    /* Credentials other than federated ones exist only in the scenario. Its arrays live as
     * long as the emulator, so they are borrowed, not copied. */
    s.scenario_app = emu_tenant_app(tenant, s.app.app_id);
    if (s.scenario_app != NULL) {
        const struct emu_app *sa = s.scenario_app;

        s.app.secrets = sa->secrets;
        s.app.secret_count = sa->secret_count;
        s.app.certs = sa->certs;
        s.app.cert_count = sa->cert_count;
        s.app.trusted_subject = sa->trusted_subject;
        s.app.allow_public_client = sa->allow_public_client;
        s.app.delegated_permissions = sa->delegated_permissions;
        s.app.delegated_permission_count = sa->delegated_permission_count;
    }
    *out = s;
    memset(&s, 0, sizeof(s));
    rc = 0;

out:
    emu_directory_unlock(dir);
    emu_app_snapshot_clear(&s);
    return rc;
}
