/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Checked JSON getters shared by the scenario parsers (scenario.c, scenario_creds.c and the
 * fault rules in faults.c). Each failure fills a struct emu_error that names the JSON path.
 */
#ifndef M365ID_DAEMONS_EMULATOR_SCENARIO_PARSE_H
#define M365ID_DAEMONS_EMULATOR_SCENARIO_PARSE_H

#include <jansson.h>

#include "scenario.h"

#define EMU_SCN_PATH_MAX 160 /* room for a JSON path such as "tenants[0].applications[1]" */

/** Fill @p err (message from @p fmt, static @p hint); returns M365ID_ECONFIG. */
int emu_scn_fail(struct emu_error *err, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Replace the hint of the last emu_scn_fail(); returns M365ID_ECONFIG. */
int emu_scn_hint(struct emu_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Report an allocation failure; returns M365ID_ENOMEM. */
int emu_scn_nomem(struct emu_error *err);

/** "parent.member[index]" into @p out. */
void emu_scn_element_path(char *out, size_t size, const char *parent, const char *member,
                          size_t index);

/** Reject a key of @p obj that is not in the NULL-terminated @p allowed list. */
int emu_scn_check_keys(const json_t *obj, const char *path, const char *const *allowed,
                       struct emu_error *err);

/** A non-empty string member, copied; @p fallback (may be NULL: required) when absent. */
int emu_scn_get_str(char **out, const json_t *obj, const char *path, const char *key,
                    const char *fallback, struct emu_error *err);

/** An optional string member, copied; *out NULL when absent. */
int emu_scn_get_opt_str(char **out, const json_t *obj, const char *path, const char *key,
                        struct emu_error *err);

int emu_scn_get_bool(int *out, const json_t *obj, const char *path, const char *key, int fallback,
                     struct emu_error *err);

/** A whole number of seconds from @p min to @p max; @p fallback when absent. */
int emu_scn_get_int(long long *out, const json_t *obj, const char *path, const char *key,
                    long long fallback, long long min, long long max, struct emu_error *err);

/** An array member (borrowed); *out NULL when absent. */
int emu_scn_get_array(json_t **out, const json_t *obj, const char *path, const char *key,
                      struct emu_error *err);

/** An array of non-empty strings, copied. */
int emu_scn_get_str_list(char ***out, size_t *count, const json_t *obj, const char *path,
                         const char *key, struct emu_error *err);

/** Element @p i of @p arr, which must be an object. */
int emu_scn_obj_at(const json_t **out, const json_t *arr, size_t i, const char *path,
                   struct emu_error *err);

/** Lower-case @p s in place (ASCII). */
void emu_scn_lower(char *s);

/** A GUID derived from its arguments, stable across restarts; malloc'd, NULL without memory. */
char *emu_scn_derived_guid(const char *kind, const char *a, const char *b);

/** Expand "${base_url}", "${cluster:NAME}" and "${ci:NAME}" in @p in into a new string. */
int emu_scn_expand(char **out, const char *in, const struct emu_scenario *scn, const char *path,
                   struct emu_error *err);

/* Sections parsed in scenario_creds.c. */
int emu_scn_parse_app_credentials(struct emu_app *app, const json_t *obj,
                                  const struct emu_scenario *scn, const char *app_path,
                                  struct emu_error *err);
int emu_scn_parse_ci_issuers(struct emu_scenario *scn, const json_t *root, struct emu_error *err);
int emu_scn_parse_managed_identities(struct emu_scenario *scn, const json_t *root,
                                     struct emu_error *err);
void emu_scn_free_app_credentials(struct emu_app *app);
void emu_scn_free_extras(struct emu_scenario *scn);

#endif /* M365ID_DAEMONS_EMULATOR_SCENARIO_PARSE_H */
