/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Fault injection: rules from the scenario and the control API that delay, drop or replace
 * replies of one request family, so tests can check how clients retry. The rule data type
 * lives in scenario.h; the control routes live in admin.c.
 */
#ifndef M365ID_DAEMONS_EMULATOR_FAULTS_H
#define M365ID_DAEMONS_EMULATOR_FAULTS_H

#include <jansson.h>
#include <pthread.h>

#include "httpd.h"
#include "scenario.h"

#define EMU_FAULTS_MAX 64u /* rules held at once, exhausted ones included */

/* A delay blocks a connection thread, and a shutdown waits for it, so it is kept short. */
#define EMU_FAULT_DELAY_MAX_MS 30000LL
#define EMU_FAULT_REPEAT_MAX 1000000LL /* bound of "after" and "count" */

struct emu;

/** The rules in force, behind one mutex: handlers run on many connection threads. */
struct emu_faults {
    pthread_mutex_t lock;
    struct emu_fault rules[EMU_FAULTS_MAX];
    size_t count;
    unsigned int next_id;
};

/**
 * Parse one rule from @p obj, naming @p path in errors. The id is left 0.
 * @return 0, M365ID_ECONFIG with @p err filled
 */
int emu_fault_parse(struct emu_fault *out, const json_t *obj, const char *path,
                    struct emu_error *err);

/** The name a rule uses for @p endpoint, e.g. "token". */
const char *emu_fault_endpoint_name(enum emu_fault_endpoint endpoint);

/** The family of the HTTPS request path @p path, or -1 when no rule can target it. */
int emu_fault_classify(const char *path);

void emu_faults_init(struct emu_faults *faults);
void emu_faults_destroy(struct emu_faults *faults);

/**
 * Add a copy of @p rule with a new id, written back to rule->id. When the table is full,
 * exhausted rules are removed first.
 * @return 0, or M365ID_ETOOBIG when EMU_FAULTS_MAX rules are still active
 */
int emu_faults_add(struct emu_faults *faults, struct emu_fault *rule);

/** Remove every rule; returns how many there were. */
size_t emu_faults_remove_all(struct emu_faults *faults);

/** {"faults":[{rule with "id", "after" and "count" as remaining}]}; NULL without memory. */
json_t *emu_faults_json(struct emu_faults *faults);

/**
 * Count one request of @p endpoint against the rules in order. Each matching rule still in
 * its "after" phase counts it down. The first rule past that phase with a count left applies.
 * A rule with a percent below 100 applies only with that chance, and otherwise the next rule
 * may apply.
 * @param[out] out  a copy of the applied rule, as it was before this request
 * @return 1 when a rule applies, 0 otherwise
 */
int emu_faults_take(struct emu_faults *faults, enum emu_fault_endpoint endpoint,
                    struct emu_fault *out);

/**
 * Apply the parts of @p rule that replace the real reply: the delay, then a dropped
 * connection, an AADSTS error or a status reply in the family's error shape.
 * @return 1 when @p reply is final, 0 when the real handler must still run
 */
int emu_fault_before(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e,
                     const struct emu_fault *rule);

/** Apply a body change of @p rule to the real reply of the handler. */
void emu_fault_after(struct httpd_reply *reply, const struct emu_fault *rule);

#endif /* M365ID_DAEMONS_EMULATOR_FAULTS_H */
