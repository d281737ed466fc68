/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The manifest reader: libyaml's event parser composed into jansson values with caps on size,
 * nesting and alias expansion, YAML 1.1 resolution of plain scalars, and the lookup of each
 * workload's pod template. The checks that read these objects live in check_pod.c.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "cli/doctor/input.h"
#include "cli/doctor/manifest.h"
#include "m365id/error.h"
#include "util/quote.h"
#include "util/strutil.h"

/* A mapping or sequence being composed. */
struct frame {
    json_t *value;        /* object or array under construction; owned */
    char *key;            /* mapping: the key waiting for its value, or NULL */
    int key_is_merge;     /* mapping: the waiting key is a plain "<<" */
    json_t *merges;       /* mapping: values of "<<" keys, applied at the end; owned */
    char *anchor;         /* the node's anchor, or NULL */
    size_t size;          /* values in this node so far, aliases at their expanded size */
};

struct anchor {
    char *name;
    json_t *value; /* owned reference */
    size_t size;
};

struct composer {
    const char *name;
    char *why;
    size_t why_size;
    struct frame stack[DOCTOR_MANIFEST_DEPTH_MAX];
    size_t depth;
    struct anchor *anchors;
    size_t anchor_count;
    size_t anchor_cap;
    size_t values;         /* values built in the whole file */
    json_t *root;          /* the current document's value, once complete */
    size_t root_size;
    int have_root;
};

static int fail_at(struct composer *c, int code, yaml_mark_t mark, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_at(struct composer *c, int code, yaml_mark_t mark, const char *fmt, ...)
{
    char text[192];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    snprintf(c->why, c->why_size, "%s:%zu:%zu: %s", c->name, mark.line + 1, mark.column + 1,
             text);
    return code;
}

/* --- scalar resolution --- */

static int equals_any(const char *s, const char *const *words)
{
    for (size_t i = 0; words[i] != NULL; i++) {
        if (strcmp(s, words[i]) == 0)
            return 1;
    }
    return 0;
}

static int digit_value(char ch, int base)
{
    int v;

    if (ch >= '0' && ch <= '9')
        v = ch - '0';
    else if (ch >= 'a' && ch <= 'f')
        v = ch - 'a' + 10;
    else if (ch >= 'A' && ch <= 'F')
        v = ch - 'A' + 10;
    else
        return -1;
    return v < base ? v : -1;
}

/*
 * Integer forms of Kubernetes' YAML decoder (Go's ParseInt with base 0 after removing '_'):
 * decimal, 0x hex, 0o or leading-0 octal, 0b binary, with an optional sign. Returns 1 and
 * sets *out, 2 when the digits are valid but overflow (the caller tries a float), else 0.
 */
static int resolve_int(long long *out, const char *s)
{
    unsigned long long v = 0, limit;
    int negative = 0, base = 10, digits = 0, overflow = 0;
    const char *p = s;

    if (*p == '+' || *p == '-')
        negative = *p++ == '-';
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    } else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O')) {
        base = 8;
        p += 2;
    } else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B')) {
        base = 2;
        p += 2;
    } else if (p[0] == '0' && p[1] != '\0') {
        base = 8;
        p++;
    }
    limit = negative ? (unsigned long long)LLONG_MAX + 1ull : (unsigned long long)LLONG_MAX;
    for (; *p != '\0'; p++) {
        int d;

        if (*p == '_')
            continue;
        if ((d = digit_value(*p, base)) < 0)
            return 0;
        digits++;
        if (v > (limit - (unsigned long long)d) / (unsigned long long)base)
            overflow = 1;
        else
            v = v * (unsigned long long)base + (unsigned long long)d;
    }
    if (digits == 0)
        return 0;
    if (overflow)
        return 2;
    if (negative)
        *out = v == (unsigned long long)LLONG_MAX + 1ull ? LLONG_MIN : -(long long)v;
    else
        *out = (long long)v;
    return 1;
}

/* Copy the decimal digits at *@p p to @p clean (@p size bytes) at *@p n, passing over the '_'
 * separators YAML 1.1 allows when @p underscores is set, and advance both. Returns the number
 * of digits, or -1 when they do not fit with room for the terminating NUL. */
static int copy_digits(char *clean, size_t size, size_t *n, const char **p, int underscores)
{
    const char *q = *p;
    int count = 0;

    for (; (*q >= '0' && *q <= '9') || (underscores && *q == '_'); q++) {
        if (*q == '_')
            continue;
        if (*n + 1 >= size)
            return -1;
        clean[(*n)++] = *q;
        count++;
    }
    *p = q;
    return count;
}

/* Floats as YAML 1.1 writes them: [-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)? */
static int resolve_float(double *out, const char *s)
{
    char clean[128];
    size_t n = 0;
    int mantissa_digits = 0;
    int digits;
    const char *p = s;
    char *end = NULL;

    if (*p == '+' || *p == '-')
        clean[n++] = *p++;
    if ((digits = copy_digits(clean, sizeof(clean), &n, &p, 1)) < 0)
        return 0;
    mantissa_digits += digits;
    if (*p == '.') {
        if (n + 1 >= sizeof(clean))
            return 0;
        clean[n++] = *p++;
        if ((digits = copy_digits(clean, sizeof(clean), &n, &p, 1)) < 0)
            return 0;
        mantissa_digits += digits;
    }
    if (mantissa_digits == 0)
        return 0;
    if (*p == 'e' || *p == 'E') {
        /* Room for the 'e', a sign and one digit is checked here; more digits in the call. */
        if (n + 2 >= sizeof(clean))
            return 0;
        clean[n++] = *p++;
        if (*p == '+' || *p == '-')
            clean[n++] = *p++;
        if (copy_digits(clean, sizeof(clean), &n, &p, 0) <= 0)
            return 0;
    }
    if (*p != '\0' || n >= sizeof(clean))
        return 0;
    clean[n] = '\0';
    errno = 0;
    *out = strtod(clean, &end);
    return end != NULL && *end == '\0' && isfinite(*out);
}

/*
 * The value of a plain scalar. Infinity and NaN (.inf, .nan) have no JSON form and stay
 * strings, which no field the doctor reads would hold.
 */
static json_t *resolve_plain(const char *s)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
    static const char *const trues[] = {"y", "Y", "yes", "Yes", "YES", "on", "On", "ON",
                                        "true", "True", "TRUE", NULL};
    static const char *const falses[] = {"n", "N", "no", "No", "NO", "off", "Off", "OFF",
                                         "false", "False", "FALSE", NULL};
    long long i;
    double d;

    if (equals_any(s, nulls))
        return json_null();
    if (equals_any(s, trues))
        return json_true();
    if (equals_any(s, falses))
        return json_false();
    /* An integer too large for 64 bits falls through to the float form, as in Go's decoder. */
    if (resolve_int(&i, s) == 1)
        return json_integer(i);
    if (resolve_float(&d, s))
        return json_real(d);
    return json_string(s);
}

/* --- composition --- */

static void frame_clear(struct frame *f)
{
    json_decref(f->value);
    json_decref(f->merges);
    free(f->key);
    free(f->anchor);
    memset(f, 0, sizeof(*f));
}

static void anchors_clear(struct composer *c)
{
    for (size_t i = 0; i < c->anchor_count; i++) {
        free(c->anchors[i].name);
        json_decref(c->anchors[i].value);
    }
    c->anchor_count = 0;
}

/* Remember @p value under @p name; a later anchor of the same name replaces it (YAML 1.1). */
static int anchor_set(struct composer *c, const char *name, json_t *value, size_t size)
{
    char *copy;

    for (size_t i = 0; i < c->anchor_count; i++) {
        if (strcmp(c->anchors[i].name, name) == 0) {
            json_decref(c->anchors[i].value);
            c->anchors[i].value = json_incref(value);
            c->anchors[i].size = size;
            return 0;
        }
    }
    if (c->anchor_count == c->anchor_cap) {
        size_t cap = c->anchor_cap == 0 ? 16 : c->anchor_cap * 2;
        struct anchor *grown = realloc(c->anchors, cap * sizeof(*grown));

        if (grown == NULL)
            return M365ID_ENOMEM;
        c->anchors = grown;
        c->anchor_cap = cap;
    }
    if ((copy = m365id__strdup(name)) == NULL)
        return M365ID_ENOMEM;
    c->anchors[c->anchor_count].name = copy;
    c->anchors[c->anchor_count].value = json_incref(value);
    c->anchors[c->anchor_count].size = size;
    c->anchor_count++;
    return 0;
}

static const struct anchor *anchor_get(const struct composer *c, const char *name)
{
    for (size_t i = 0; i < c->anchor_count; i++) {
        if (strcmp(c->anchors[i].name, name) == 0)
            return &c->anchors[i];
    }
    return NULL;
}

/* Count @p size more values against the file's cap. */
static int budget_take(struct composer *c, size_t size, yaml_mark_t mark)
{
    if (size > DOCTOR_MANIFEST_VALUES_MAX - c->values) {
        return fail_at(c, M365ID_ETOOBIG, mark,
                       "more than %u values once aliases are expanded; the file is not a "
                       "plain manifest (alias bomb?)",
                       DOCTOR_MANIFEST_VALUES_MAX);
    }
    c->values += size;
    return 0;
}

/*
 * Place a complete node: as the document's root, as a sequence item, or in the waiting
 * mapping slot. Takes over @p value. @p key_text is the scalar's text when the node is a
 * scalar that may serve as a key, else NULL. @p plain is nonzero for an unquoted scalar.
 */
static int attach(struct composer *c, json_t *value, size_t size, const char *key_text,
                  int plain, yaml_mark_t mark)
{
    struct frame *top;
    int rc = 0;

    if (c->depth == 0) {
        c->root = value;
        c->root_size = size;
        c->have_root = 1;
        return 0;
    }
    top = &c->stack[c->depth - 1];
    top->size += size;

    if (json_is_array(top->value)) {
        if (json_array_append_new(top->value, value) < 0)
            return M365ID_ENOMEM;
        return 0;
    }

    if (top->key == NULL && !top->key_is_merge) {
        if (key_text == NULL) {
            json_decref(value);
            return fail_at(c, M365ID_EPROTO, mark,
                           "mapping key is not a scalar; Kubernetes objects use string keys");
        }
        json_decref(value);
        if (plain && strcmp(key_text, "<<") == 0) {
            top->key_is_merge = 1;
            return 0;
        }
        if (json_object_get(top->value, key_text) != NULL) {
            struct m365id__quoted q;

            m365id__quote(&q, key_text);
            return fail_at(c, M365ID_EPROTO, mark, "duplicate key '%s' in one mapping",
                           q.text);
        }
        if ((top->key = m365id__strdup(key_text)) == NULL)
            rc = M365ID_ENOMEM;
        return rc;
    }

    if (top->key_is_merge) {
        top->key_is_merge = 0;
        if (!json_is_object(value) && !json_is_array(value)) {
            json_decref(value);
            return fail_at(c, M365ID_EPROTO, mark,
                           "the value of merge key '<<' is not a mapping or a list of them");
        }
        if (top->merges == NULL && (top->merges = json_array()) == NULL) {
            json_decref(value);
            return M365ID_ENOMEM;
        }
        if (json_array_append_new(top->merges, value) < 0)
            return M365ID_ENOMEM;
        return 0;
    }

    if (json_object_set_new(top->value, top->key, value) < 0)
        rc = M365ID_ENOMEM;
    free(top->key);
    top->key = NULL;
    return rc;
}

/* Apply "<<" merges: keys of the mapping win, then earlier merged mappings over later ones. */
static int apply_merges(struct composer *c, struct frame *f, yaml_mark_t mark)
{
    size_t i;
    json_t *item;

    if (f->merges == NULL)
        return 0;
    json_array_foreach(f->merges, i, item) {
        if (json_is_object(item)) {
            if (json_object_update_missing(f->value, item) < 0)
                return M365ID_ENOMEM;
            continue;
        }
        for (size_t j = 0; j < json_array_size(item); j++) {
            json_t *source = json_array_get(item, j);

            if (!json_is_object(source)) {
                return fail_at(c, M365ID_EPROTO, mark,
                               "merge key '<<' lists a value that is not a mapping");
            }
            if (json_object_update_missing(f->value, source) < 0)
                return M365ID_ENOMEM;
        }
    }
    return 0;
}

static int on_start(struct composer *c, json_t *value, const yaml_char_t *anchor,
                    yaml_mark_t mark)
{
    struct frame *f;
    int rc;

    if (value == NULL)
        return M365ID_ENOMEM;
    if (c->depth == DOCTOR_MANIFEST_DEPTH_MAX) {
        json_decref(value);
        return fail_at(c, M365ID_ETOOBIG, mark, "nested deeper than %u levels",
                       DOCTOR_MANIFEST_DEPTH_MAX);
    }
    if ((rc = budget_take(c, 1, mark)) < 0) {
        json_decref(value);
        return rc;
    }
    f = &c->stack[c->depth++];
    memset(f, 0, sizeof(*f));
    f->value = value;
    f->size = 1;
    if (anchor != NULL && (f->anchor = m365id__strdup((const char *)anchor)) == NULL)
        return M365ID_ENOMEM;
    return 0;
}

static int on_end(struct composer *c, yaml_mark_t mark)
{
    struct frame f = c->stack[--c->depth];
    int rc;

    memset(&c->stack[c->depth], 0, sizeof(c->stack[c->depth]));
    if (f.key != NULL || f.key_is_merge) {
        rc = fail_at(c, M365ID_EPROTO, mark, "mapping key without a value");
        goto out;
    }
    if ((rc = apply_merges(c, &f, mark)) < 0)
        goto out;
    if (f.anchor != NULL && (rc = anchor_set(c, f.anchor, f.value, f.size)) < 0)
        goto out;
    rc = attach(c, f.value, f.size, NULL, 0, mark);
    f.value = NULL;

out:
    frame_clear(&f);
    return rc;
}

static int on_scalar(struct composer *c, const yaml_event_t *ev)
{
    const char *text = (const char *)ev->data.scalar.value;
    int plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    const char *tag = (const char *)ev->data.scalar.tag;
    json_t *value;
    int rc;

    if (strlen(text) != ev->data.scalar.length) {
        return fail_at(c, M365ID_EPROTO, ev->start_mark,
                       "scalar contains a NUL character");
    }
    if ((rc = budget_take(c, 1, ev->start_mark)) < 0)
        return rc;

    /* Quoted scalars and an explicit !!str tag stay strings; plain ones resolve. */
    if (plain && ev->data.scalar.plain_implicit && tag == NULL)
        value = resolve_plain(text);
    else if (plain && tag != NULL && strcmp(tag, YAML_STR_TAG) != 0)
        value = resolve_plain(text);
    else
        value = json_string(text);
    if (value == NULL) {
        /* json_string() rejects text that is not UTF-8. */
        return fail_at(c, M365ID_EPROTO, ev->start_mark, "scalar is not valid UTF-8");
    }
    if (ev->data.scalar.anchor != NULL &&
        (rc = anchor_set(c, (const char *)ev->data.scalar.anchor, value, 1)) < 0) {
        json_decref(value);
        return rc;
    }
    return attach(c, value, 1, text, plain, ev->start_mark);
}

static int on_alias(struct composer *c, const yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    const struct anchor *a = anchor_get(c, name);
    int rc;

    if (a == NULL) {
        struct m365id__quoted q;

        m365id__quote(&q, name);
        return fail_at(c, M365ID_EPROTO, ev->start_mark,
                       "alias '*%s' names no anchor defined before it", q.text);
    }
    if ((rc = budget_take(c, a->size, ev->start_mark)) < 0)
        return rc;
    /* The value is shared, not copied: the cap above bounds what a walk of it may visit. */
    return attach(c, json_incref(a->value), a->size,
                  json_is_string(a->value) ? json_string_value(a->value) : NULL, 0,
                  ev->start_mark);
}

/* Append one document's value to @p m, expanding a List into its items. */
static int add_document(struct composer *c, struct doctor_manifest *m, json_t *value,
                        size_t line)
{
    const char *kind = doctor_manifest_kind(value);
    json_t *items = json_object_get(value, "items");
    size_t i;
    json_t *item;

    if (json_is_null(value))
        return 0;
    if (kind != NULL && m365id__ends_with(kind, "List") && json_is_array(items)) {
        json_array_foreach(items, i, item) {
            char path[32];

            if (json_array_size(m->objects) >= DOCTOR_MANIFEST_OBJECTS_MAX)
                goto too_many;
            snprintf(path, sizeof(path), "items[%zu]", i);
            if (json_array_append(m->objects, item) < 0 ||
                json_array_append_new(m->paths, json_string(path)) < 0 ||
                json_array_append_new(m->lines, json_integer((json_int_t)line)) < 0)
                return M365ID_ENOMEM;
        }
        return 0;
    }
    if (json_array_size(m->objects) >= DOCTOR_MANIFEST_OBJECTS_MAX)
        goto too_many;
    if (json_array_append(m->objects, value) < 0 ||
        json_array_append_new(m->paths, json_string("")) < 0 ||
        json_array_append_new(m->lines, json_integer((json_int_t)line)) < 0)
        return M365ID_ENOMEM;
    return 0;

too_many:
    snprintf(c->why, c->why_size, "%s:%zu: more than %u objects in one file", c->name, line,
             DOCTOR_MANIFEST_OBJECTS_MAX);
    return M365ID_ETOOBIG;
}

static void parser_error(struct composer *c, const yaml_parser_t *p)
{
    struct m365id__quoted q;
    const yaml_mark_t *mark = &p->problem_mark;

    m365id__quote(&q, p->problem != NULL ? p->problem : "unknown problem");
    if (p->error == YAML_MEMORY_ERROR) {
        snprintf(c->why, c->why_size, "%s: out of memory while parsing", c->name);
    } else if (p->context != NULL) {
        snprintf(c->why, c->why_size, "%s:%zu:%zu: %s (%s at line %zu)", c->name,
                 mark->line + 1, mark->column + 1, q.text, p->context,
                 p->context_mark.line + 1);
    } else {
        snprintf(c->why, c->why_size, "%s:%zu:%zu: %s", c->name, mark->line + 1,
                 mark->column + 1, q.text);
    }
}

int doctor_manifest_parse(struct doctor_manifest *m, const char *name, const char *data,
                          size_t len, char *why, size_t why_size)
{
    struct composer c;
    yaml_parser_t parser;
    yaml_event_t ev;
    size_t doc_line = 1;
    int parser_ready = 0, done = 0, rc = 0;

    memset(&c, 0, sizeof(c));
    c.name = name;
    c.why = why;
    c.why_size = why_size;
    why[0] = '\0';
    doctor_manifest_clear(m);

    m->name = m365id__strdup(name);
    m->objects = json_array();
    m->paths = json_array();
    m->lines = json_array();
    if (m->name == NULL || m->objects == NULL || m->paths == NULL || m->lines == NULL) {
        rc = M365ID_ENOMEM;
        goto out;
    }
    if (len > DOCTOR_MANIFEST_SIZE_MAX) {
        snprintf(why, why_size, "%s: %zu bytes, more than the %u accepted", name, len,
                 DOCTOR_MANIFEST_SIZE_MAX);
        rc = M365ID_ETOOBIG;
        goto out;
    }
    if (!yaml_parser_initialize(&parser)) {
        rc = M365ID_ENOMEM;
        goto out;
    }
    parser_ready = 1;
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);

    while (!done) {
        if (!yaml_parser_parse(&parser, &ev)) {
            parser_error(&c, &parser);
            rc = parser.error == YAML_MEMORY_ERROR ? M365ID_ENOMEM : M365ID_EPROTO;
            goto out;
        }
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_DOCUMENT_START_EVENT:
            doc_line = ev.start_mark.line + 1;
            break;
        case YAML_DOCUMENT_END_EVENT:
            if (c.have_root)
                rc = add_document(&c, m, c.root, doc_line);
            json_decref(c.root);
            c.root = NULL;
            c.have_root = 0;
            anchors_clear(&c);
            break;
        case YAML_MAPPING_START_EVENT:
            rc = on_start(&c, json_object(), ev.data.mapping_start.anchor, ev.start_mark);
            break;
        case YAML_SEQUENCE_START_EVENT:
            rc = on_start(&c, json_array(), ev.data.sequence_start.anchor, ev.start_mark);
            break;
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT:
            rc = on_end(&c, ev.start_mark);
            break;
        case YAML_SCALAR_EVENT:
            rc = on_scalar(&c, &ev);
            break;
        case YAML_ALIAS_EVENT:
            rc = on_alias(&c, &ev);
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
        if (rc < 0)
            goto out;
    }

out:
    if (rc == M365ID_ENOMEM && why[0] == '\0')
        snprintf(why, why_size, "%s: out of memory", name);
    while (c.depth > 0)
        frame_clear(&c.stack[--c.depth]);
    json_decref(c.root);
    anchors_clear(&c);
    free(c.anchors);
    if (parser_ready)
        yaml_parser_delete(&parser);
    return rc;
}

int doctor_manifest_load(struct doctor_manifest *m, const char *path, char *why,
                         size_t why_size)
{
    struct m365id__buf buf = M365ID__BUF_INIT(DOCTOR_MANIFEST_SIZE_MAX);
    int err = 0;
    int rc;

    /* A pipe is accepted as /dev/fd/N, so that --pod <(kubectl get pod NAME -o yaml) works. */
    if ((rc = doctor_input_read(&buf, path, 1, &err, why, why_size)) < 0) {
        if (rc == M365ID_EINVAL)
            rc = M365ID_EIO;
        goto out;
    }
    rc = doctor_manifest_parse(m, path, m365id__buf_cstr(&buf), buf.len, why, why_size);

out:
    m365id__buf_clear(&buf);
    return rc;
}

void doctor_manifest_clear(struct doctor_manifest *m)
{
    free(m->name);
    json_decref(m->objects);
    json_decref(m->paths);
    json_decref(m->lines);
    m->name = NULL;
    m->objects = NULL;
    m->paths = NULL;
    m->lines = NULL;
}

size_t doctor_manifest_count(const struct doctor_manifest *m)
{
    return json_array_size(m->objects);
}

json_t *doctor_manifest_object(const struct doctor_manifest *m, size_t index)
{
    return json_array_get(m->objects, index);
}

const char *doctor_manifest_path(const struct doctor_manifest *m, size_t index)
{
    const char *s = json_string_value(json_array_get(m->paths, index));

    return s != NULL ? s : "";
}

long long doctor_manifest_line(const struct doctor_manifest *m, size_t index)
{
    return (long long)json_integer_value(json_array_get(m->lines, index));
}

/* --- lookups --- */

const char *doctor_manifest_meta(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(json_object_get(obj, "metadata"), key));
}

const char *doctor_manifest_kind(const json_t *obj)
{
    return json_string_value(json_object_get(obj, "kind"));
}

json_t *doctor_manifest_find(const struct doctor_manifest *m, const char *kind,
                             const char *name, const char *ns, size_t *index_out)
{
    for (size_t i = 0; i < doctor_manifest_count(m); i++) {
        json_t *obj = doctor_manifest_object(m, i);
        const char *obj_kind = doctor_manifest_kind(obj);
        const char *obj_name = doctor_manifest_meta(obj, "name");
        const char *obj_ns = doctor_manifest_meta(obj, "namespace");

        if (obj_kind == NULL || strcmp(obj_kind, kind) != 0)
            continue;
        if (obj_name == NULL || strcmp(obj_name, name) != 0)
            continue;
        if (ns != NULL && obj_ns != NULL && strcmp(ns, obj_ns) != 0)
            continue;
        if (index_out != NULL)
            *index_out = i;
        return obj;
    }
    return NULL;
}

json_t *doctor_manifest_at(const json_t *obj, const char *path)
{
    char part[64];
    const char *p = path;
    json_t *cur = (json_t *)obj;

    while (cur != NULL && *p != '\0') {
        size_t n = strcspn(p, ".");

        if (n >= sizeof(part))
            return NULL;
        memcpy(part, p, n);
        part[n] = '\0';
        cur = json_object_get(cur, part);
        p += n;
        if (*p == '.')
            p++;
    }
    return cur;
}

const char *doctor_manifest_template_path(const char *kind)
{
    static const char *const with_template[] = {
        "Deployment", "ReplicaSet", "ReplicationController", "StatefulSet", "DaemonSet", "Job",
        NULL};

    if (kind == NULL)
        return NULL;
    if (strcmp(kind, "Pod") == 0)
        return "";
    if (strcmp(kind, "CronJob") == 0)
        return "spec.jobTemplate.spec.template";
    if (equals_any(kind, with_template))
        return "spec.template";
    return NULL;
}

int doctor_manifest_pod_template(struct doctor_pod_template *t, json_t *obj,
                                 const char *object_path)
{
    const char *kind = doctor_manifest_kind(obj);
    const char *rel = doctor_manifest_template_path(kind);
    const char *name = doctor_manifest_meta(obj, "name");

    memset(t, 0, sizeof(*t));
    if (rel == NULL)
        return 0;
    t->object = obj;
    t->kind = kind;
    t->name = name != NULL ? name : "(unnamed)";
    t->ns = doctor_manifest_meta(obj, "namespace");
    t->pod = rel[0] == '\0' ? obj : doctor_manifest_at(obj, rel);
    if (!json_is_object(t->pod))
        t->pod = NULL;
    snprintf(t->object_path, sizeof(t->object_path), "%s", object_path);
    if (object_path[0] != '\0' && rel[0] != '\0')
        snprintf(t->path, sizeof(t->path), "%s.%s", object_path, rel);
    else
        snprintf(t->path, sizeof(t->path), "%s%s", object_path, rel);
    return 1;
}
