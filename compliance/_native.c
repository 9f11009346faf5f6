/*
 * compliance._native: optional C helpers for the column validator.
 *
 * Each function is one pass over a polars String column, each giving exactly the
 * verdicts and values of the polars path it replaces in compliance/validation/columns.py
 * (tests/test_native.py holds the two to each other):
 *   datetimes()  RFC 3339 date-time text to naive UTC microseconds (_DATETIME_RE, the
 *                parse, the offset and the leap-second rule);
 *   dates()      full-dates (_DATE_RE and the parse) to days since 1970;
 *   matches()    anchored patterns made only of character classes and counts, such as
 *                ^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$, compiled by native.py;
 *   members()    whether a cell is one of an enum's strings;
 *   digit_runs() whether a cell holds n digits in a row (compliance.frames.digit_runs);
 *   csv_fields() the CSV field-count check of compliance.evidence.tables;
 *   decimals()   the pre-scan of a column read as numbers (_DECIMAL_RE on every cell, any
 *                '.', the widest cell) as three facts.
 *
 * Data moves through the Arrow C data and stream interfaces
 * (https://arrow.apache.org/docs/format/CDataInterface.html), so nothing is copied on the
 * way in and the result becomes a polars Series without a copy on the way out. Cells are
 * evidence from outside: every read stays inside the cell's own length, the pattern
 * matcher is linear in the cell's length (no backtracking), and a layout this file does
 * not know (anything but Utf8View, Utf8 or LargeUtf8) is refused with NotImplementedError
 * so that the caller takes the polars path.
 *
 * The module is optional: setup.py builds it where a C compiler exists, and the validator
 * falls back to polars without it (or with COMPLIANCE_PURE_PYTHON=1 set).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- Arrow C data interface (ABI-stable definitions from the Arrow specification) ---- */

#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE
#define ARROW_FLAG_NULLABLE 2

struct ArrowSchema {
    const char *format;
    const char *name;
    const char *metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema **children;
    struct ArrowSchema *dictionary;
    void (*release)(struct ArrowSchema *);
    void *private_data;
};

struct ArrowArray {
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void **buffers;
    struct ArrowArray **children;
    struct ArrowArray *dictionary;
    void (*release)(struct ArrowArray *);
    void *private_data;
};
#endif

#ifndef ARROW_C_STREAM_INTERFACE
#define ARROW_C_STREAM_INTERFACE
struct ArrowArrayStream {
    int (*get_schema)(struct ArrowArrayStream *, struct ArrowSchema *out);
    int (*get_next)(struct ArrowArrayStream *, struct ArrowArray *out);
    const char *(*get_last_error)(struct ArrowArrayStream *);
    void (*release)(struct ArrowArrayStream *);
    void *private_data;
};
#endif

/* ---- RFC 3339 date-time ---------------------------------------------------------------- */

static inline int is_digit(uint8_t c) { return (unsigned)(c - '0') < 10u; }

static inline int two(const uint8_t *p) { return (p[0] - '0') * 10 + (p[1] - '0'); }

/*
 * The first 19 bytes are YYYY-MM-DDTHH:MM:SS (T or t): checked eight bytes at a time. A
 * byte is a digit when its high nibble is 3 and stays 3 after adding 6 to it.
 */
static inline uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* The first eight bytes of a string (fewer, zero-padded, for a shorter one): two strings
   of one length are equal when these and the bytes after them are. Never reads past n. */
static inline uint64_t head_of(const uint8_t *p, int64_t n)
{
    if (n >= 8)
        return load64(p);
    uint64_t v = 0;
    for (int64_t i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* head_of for a cell whose eight bytes from p may all be read (a string of up to 12 bytes
   held inside its 16-byte view): one load and a mask, no loop whose length varies from
   cell to cell (its mispredicted exits cost more than the rest of an enum test). */
static inline uint64_t head_in_view(const uint8_t *p, int64_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t v = load64(p);
    return n >= 8 ? v : v & ((1ull << (8 * n)) - 1);
#else
    return head_of(p, n);
#endif
}

static inline uint64_t digits_bad(uint64_t w, uint64_t mask)
{
    uint64_t high = mask & 0xF0F0F0F0F0F0F0F0ull, threes = mask & 0x3030303030303030ull;
    return ((w & high) ^ threes) | (((w + (mask & 0x0606060606060606ull)) & high) ^ threes);
}

static inline int fixed_part_ok(const uint8_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t w0 = load64(p), w1 = load64(p + 8), w2 = load64(p + 12) >> 32;
    /* w0: Y Y Y Y - M M -   w1: D D T H H : M M   w2 (bytes 16 to 19): : S S any */
    uint64_t bad = digits_bad(w0, 0x00FFFF00FFFFFFFFull) |
                   ((w0 & 0xFF0000FF00000000ull) ^ 0x2D00002D00000000ull) |
                   digits_bad(w1, 0xFFFF00FFFF00FFFFull) |
                   (((w1 | 0x200000ull) & 0x0000FF0000FF0000ull) ^ 0x00003A0000740000ull) |
                   digits_bad(w2, 0x00FFFF00ull) | ((w2 & 0xFFull) ^ 0x3Aull);
    return bad == 0;
#else
    for (int i = 0; i < 19; i++) {
        int ok;
        switch (i) {
        case 4:
        case 7:
            ok = p[i] == '-';
            break;
        case 10:
            ok = p[i] == 'T' || p[i] == 't';
            break;
        case 13:
        case 16:
            ok = p[i] == ':';
            break;
        default:
            ok = is_digit(p[i]);
        }
        if (!ok)
            return 0;
    }
    return 1;
#endif
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
    /* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/*
 * One cell. Returns 1 and sets *out (microseconds since 1970 UTC) for a valid date-time,
 * 0 for an invalid one.
 *
 * Valid means: the layout of _DATETIME_RE
 *   [0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})
 * a real calendar day, hour <= 23, minute <= 59, second <= 60, an offset of at most 23:59,
 * and a second 60 only where the time, moved to UTC, is 23:59:60. A fraction keeps its
 * first six digits (truncated), and a second 60 counts into the next minute, as chrono
 * does.
 */
/* The last calendar day seen: time stamps of one column mostly share their day. */
struct day_memo {
    int year; /* the last year seen; -1 before the first */
    int leap;
    int64_t year_first; /* days since 1970-01-01 of its 1 January */
    /* The last valid date-time without a fraction: its length, its first 11 bytes (the
       date and T), the bytes after the seconds (the offset) and the UTC seconds of its
       local midnight. A cell that differs from it only in HH:MM:SS takes a short path. */
    int64_t same_n;
    uint8_t head[11], tail[6];
    int64_t midnight;
};

/*
 * Days since 1970-01-01 of a calendar day in *days, and 1; or 0 when there is no such day.
 * The year's first day and leap flag are kept: the dates of a column mostly share their
 * year even where they share neither day nor month (rows not in time order).
 */
static inline int day_number(struct day_memo *memo, int year, int month, int day, int64_t *days)
{
    static const int before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    static const int length[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12)
        return 0;
    if (year != memo->year) {
        memo->year = year;
        memo->leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        memo->year_first = days_from_civil(year, 1, 1);
    }
    int february_29 = memo->leap && month == 2;
    if (day < 1 || day > length[month - 1] + february_29)
        return 0;
    *days = memo->year_first + before[month - 1] + (memo->leap && month > 2) + day - 1;
    return 1;
}

/* memcmp(p, head, 11) == 0, as two overlapping eight-byte loads (a third of the helper's
   time went to the library calls). */
static inline int same_head(const uint8_t *p, const uint8_t *head)
{
    return load64(p) == load64(head) && load64(p + 3) == load64(head + 3);
}

/* memcmp(p, tail, n) == 0 for the offsets a cell ends with: "Z" (1 byte) or "+08:00" (6);
   never reads past n bytes. */
static inline int same_tail(const uint8_t *p, const uint8_t *tail, int64_t n)
{
    if (n == 1)
        return p[0] == tail[0];
    if (n == 6) {
        uint32_t a, b;
        uint16_t c, d;
        memcpy(&a, p, 4);
        memcpy(&b, tail, 4);
        memcpy(&c, p + 4, 2);
        memcpy(&d, tail + 4, 2);
        return a == b && c == d;
    }
    return memcmp(p, tail, (size_t)n) == 0;
}

static int parse_datetime(const uint8_t *p, int64_t n, struct day_memo *memo, int64_t *out)
{
    if (n < 20)
        return 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (n == memo->same_n && same_head(p, memo->head) && same_tail(p + 19, memo->tail, n - 19)) {
        /* Bytes 11 to 18: H H : M M : S S */
        uint64_t w = load64(p + 11);
        uint64_t bad = digits_bad(w, 0xFFFF00FFFF00FFFFull) |
                       ((w & 0x0000FF0000FF0000ull) ^ 0x00003A00003A0000ull);
        int hour = two(p + 11), minute = two(p + 14), second = two(p + 17);
        if (!bad && hour <= 23 && minute <= 59 && second <= 59) {
            *out = (memo->midnight + hour * 3600 + minute * 60 + second) * 1000000;
            return 1;
        }
        /* anything else (a leap second, a bad time) takes the full path */
    }
#endif
    if (!fixed_part_ok(p))
        return 0;
    int year = two(p) * 100 + two(p + 2);
    int month = two(p + 5), day = two(p + 8);
    int hour = two(p + 11), minute = two(p + 14), second = two(p + 17);

    int64_t i = 19, micros = 0;
    if (p[i] == '.') {
        int64_t start = ++i;
        while (i < n && is_digit(p[i])) {
            if (i - start < 6)
                micros = micros * 10 + (p[i] - '0');
            i++;
        }
        if (i == start)
            return 0;
        for (int64_t k = i - start; k < 6; k++)
            micros *= 10;
    }
    int offset;
    if (i == n - 1 && (p[i] == 'Z' || p[i] == 'z')) {
        offset = 0;
    } else if (i == n - 6 && (p[i] == '+' || p[i] == '-') && is_digit(p[i + 1]) && is_digit(p[i + 2]) &&
               p[i + 3] == ':' && is_digit(p[i + 4]) && is_digit(p[i + 5])) {
        int oh = two(p + i + 1), om = two(p + i + 4);
        if (oh > 23 || om > 59)
            return 0;
        offset = (oh * 60 + om) * (p[i] == '-' ? -1 : 1);
    } else {
        return 0;
    }
    if (hour > 23 || minute > 59 || second > 60)
        return 0;
    int64_t days;
    if (!day_number(memo, year, month, day, &days))
        return 0;
    int64_t seconds = days * 86400 + hour * 3600 + minute * 60 +
                      second - (int64_t)offset * 60;
    if (second == 60) {
        /* Only 23:59:60 UTC exists: carried into the next minute, that is a UTC midnight. */
        int64_t of_day = seconds % 86400;
        if (of_day < 0)
            of_day += 86400;
        if (of_day != 0)
            return 0;
    }
    *out = seconds * 1000000 + micros;
    if (i == 19 && n - 19 <= 6) { /* no fraction: the next cell may share all but the time */
        memo->same_n = n;
        memcpy(memo->head, p, 11);
        if (n - 19 == 6) /* the usual offsets, copied without a library call */
            memcpy(memo->tail, p + 19, 6);
        else if (n - 19 == 1)
            memo->tail[0] = p[19];
        else
            memcpy(memo->tail, p + 19, (size_t)(n - 19));
        memo->midnight = days * 86400 - (int64_t)offset * 60;
    }
    return 1;
}

/*
 * One full-date (YYYY-MM-DD, the layout of _DATE_RE and a real calendar day): days since
 * 1970-01-01 in *out, and 1; or 0.
 */
static int parse_date(const uint8_t *p, int64_t n, struct day_memo *memo, int32_t *out)
{
    if (n != 10 || p[4] != '-' || p[7] != '-')
        return 0;
    static const int at[8] = {0, 1, 2, 3, 5, 6, 8, 9};
    unsigned bad = 0;
    for (int k = 0; k < 8; k++)
        bad |= (unsigned)(p[at[k]] - '0') > 9u;
    if (bad)
        return 0;
    int year = two(p) * 100 + two(p + 2), month = two(p + 5), day = two(p + 8);
    int64_t days;
    if (!day_number(memo, year, month, day, &days))
        return 0;
    *out = (int32_t)days;
    return 1;
}

/* ---- reading a String column ---------------------------------------------------------- */

enum layout { VIEW, UTF8, LARGE_UTF8 };

struct input {
    struct ArrowArray *arrays;
    int64_t count;
    int64_t length;
    enum layout layout;
};

static void input_release(struct input *in)
{
    for (int64_t k = 0; k < in->count; k++)
        if (in->arrays[k].release)
            in->arrays[k].release(&in->arrays[k]);
    free(in->arrays);
    in->arrays = NULL;
    in->count = 0;
}

/* Take every chunk out of a stream capsule. Returns 0, or -1 with a Python error set. */
static int input_take(PyObject *capsule, struct input *in)
{
    memset(in, 0, sizeof *in);
    struct ArrowArrayStream *source = PyCapsule_GetPointer(capsule, "arrow_array_stream");
    if (source == NULL)
        return -1;
    if (source->release == NULL) {
        PyErr_SetString(PyExc_ValueError, "the Arrow stream was already consumed");
        return -1;
    }
    /* Move the stream out of the capsule: its destructor then has nothing to release. */
    struct ArrowArrayStream stream = *source;
    source->release = NULL;

    struct ArrowSchema schema;
    memset(&schema, 0, sizeof schema);
    int failed = stream.get_schema(&stream, &schema);
    if (failed == 0) {
        const char *format = schema.format ? schema.format : "";
        if (strcmp(format, "vu") == 0)
            in->layout = VIEW;
        else if (strcmp(format, "u") == 0)
            in->layout = UTF8;
        else if (strcmp(format, "U") == 0)
            in->layout = LARGE_UTF8;
        else
            failed = -2;
        if (schema.release)
            schema.release(&schema);
    }
    int64_t capacity = 0;
    while (failed == 0) {
        if (in->count == capacity) {
            capacity = capacity ? capacity * 2 : 8;
            struct ArrowArray *grown = realloc(in->arrays, (size_t)capacity * sizeof *grown);
            if (grown == NULL) {
                failed = -3;
                break;
            }
            in->arrays = grown;
        }
        struct ArrowArray *array = &in->arrays[in->count];
        memset(array, 0, sizeof *array);
        if (stream.get_next(&stream, array) != 0) {
            failed = -1;
            break;
        }
        if (array->release == NULL)
            break; /* end of stream */
        in->count++;
        if ((in->layout == VIEW && array->n_buffers < 3) ||
            (in->layout != VIEW && array->n_buffers != 3)) {
            failed = -2;
            break;
        }
        in->length += array->length;
    }
    stream.release(&stream);
    if (failed == 0)
        return 0;
    input_release(in);
    if (failed == -2)
        PyErr_SetString(PyExc_NotImplementedError, "not a String column in a known layout");
    else if (failed == -3)
        PyErr_NoMemory();
    else
        PyErr_SetString(PyExc_ValueError, "the Arrow stream failed");
    return -1;
}

/* The bytes of cell j of an array (j counts from the array's own offset). 0 if null. */
static inline int cell(const struct ArrowArray *a, enum layout layout, int64_t j,
                       const uint8_t **data, int64_t *size)
{
    int64_t at = a->offset + j;
    const uint8_t *validity = a->buffers[0];
    if (validity && !(validity[at >> 3] & (1u << (at & 7))))
        return 0;
    if (layout == VIEW) {
        const uint8_t *view = (const uint8_t *)a->buffers[1] + 16 * at;
        int32_t length, index, offset;
        memcpy(&length, view, 4);
        if (length <= 12) {
            *data = view + 4;
        } else {
            memcpy(&index, view + 8, 4);
            memcpy(&offset, view + 12, 4);
            /* buffers: validity, views, the data buffers, then their sizes */
            if (index < 0 || index >= a->n_buffers - 3)
                return -1;
            *data = (const uint8_t *)a->buffers[2 + index] + offset;
        }
        *size = length;
    } else if (layout == UTF8) {
        const int32_t *offsets = a->buffers[1];
        *data = (const uint8_t *)a->buffers[2] + offsets[at];
        *size = offsets[at + 1] - offsets[at];
    } else {
        const int64_t *offsets = a->buffers[1];
        *data = (const uint8_t *)a->buffers[2] + offsets[at];
        *size = offsets[at + 1] - offsets[at];
    }
    return 1;
}

/* ---- the result: one timestamp[us] array, handed out as an Arrow stream ---------------- */

struct result {
    const char *format; /* "tsu:" (int64), "tdD" (int32) or "b" (bits) */
    int64_t length;
    int64_t null_count;
    void *values;
    uint8_t *validity;
    int handed_out; /* the array now belongs to whoever imported it */
};

static void result_free(struct result *r)
{
    if (r == NULL)
        return;
    if (!r->handed_out) {
        free(r->values);
        free(r->validity);
    }
    free(r);
}

static void schema_release(struct ArrowSchema *schema) { schema->release = NULL; }

/* What an exported array owns; freed by its release callback. */
struct owned {
    void *values;
    uint8_t *validity;
    const void *buffers[2];
};

static void array_release(struct ArrowArray *array)
{
    struct owned *owned = array->private_data;
    free(owned->values);
    free(owned->validity);
    free(owned);
    array->release = NULL;
}

static int stream_get_schema(struct ArrowArrayStream *stream, struct ArrowSchema *out)
{
    struct result *r = stream->private_data;
    memset(out, 0, sizeof *out);
    out->format = r->format;
    out->name = "";
    out->flags = ARROW_FLAG_NULLABLE;
    out->release = schema_release;
    return 0;
}

static int stream_get_next(struct ArrowArrayStream *stream, struct ArrowArray *out)
{
    struct result *r = stream->private_data;
    memset(out, 0, sizeof *out);
    if (r->handed_out)
        return 0; /* a released array: the end of the stream */
    struct owned *owned = malloc(sizeof *owned);
    if (owned == NULL)
        return 12; /* ENOMEM */
    owned->values = r->values;
    owned->validity = r->validity;
    owned->buffers[0] = r->validity;
    owned->buffers[1] = r->values;
    out->length = r->length;
    out->null_count = r->null_count;
    out->offset = 0;
    out->n_buffers = 2;
    out->buffers = owned->buffers;
    out->private_data = owned;
    out->release = array_release;
    r->handed_out = 1;
    return 0;
}

static const char *stream_last_error(struct ArrowArrayStream *stream)
{
    (void)stream;
    return NULL;
}

static void stream_release(struct ArrowArrayStream *stream)
{
    result_free(stream->private_data);
    stream->release = NULL;
}

static void capsule_destructor(PyObject *capsule)
{
    struct ArrowArrayStream *stream = PyCapsule_GetPointer(capsule, "arrow_array_stream");
    if (stream == NULL) {
        PyErr_Clear();
        return;
    }
    if (stream->release)
        stream->release(stream);
    free(stream);
}

/* ---- anchored patterns made of character classes ---------------------------------------- */

/*
 * A pattern such as ^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$, compiled by native.py into items:
 * a set of bytes (ASCII only) and how many times in a row it must match. A cell matches
 * when the items, in order, can consume all of it. reach[p] says that the items so far can
 * end exactly at byte p; each item is one linear pass over the cell, so a cell costs
 * O(items x length) whatever it holds (no backtracking).
 */
#define MAX_ITEMS 64
#define UNBOUNDED 0xFFFFFFFFu

struct item {
    uint8_t set[32];
    uint8_t member[256]; /* the set again, one byte per value */
    uint32_t min, max;
};

/* The last answers for short cells, by a hash of the cell: identifier columns (device,
   staff, point ids) hold a few values many times over. */
#define MEMO_SLOTS 64
struct memo_slot {
    uint64_t a, b; /* the cell's bytes, see match_memo */
    int64_t n;     /* its length + 1; 0: the slot is empty */
    int result;
};

struct program {
    struct memo_slot memo[MEMO_SLOTS];
    struct item items[MAX_ITEMS];
    int count;
    uint64_t shortest, longest; /* bytes */
    uint8_t *reach; /* scratch for cells of up to capacity bytes */
    int32_t *next;
    int64_t *run;
    int64_t capacity;
};

static inline int in_set(const uint8_t *set, uint8_t c) { return set[c >> 3] >> (c & 7) & 1; }

/*
 * The same for a cell of at most 63 bytes, with bit q of a word for byte position q:
 * reach moves one byte forward per step while the byte it leaves is in the item's set.
 */
static int match_short(const struct program *g, const uint8_t *p, int64_t n)
{
    uint64_t reach = 1;
    for (int k = 0; k < g->count; k++) {
        const struct item *it = &g->items[k];
        uint64_t in = 0;
        for (int64_t q = 0; q < n; q++)
            in |= (uint64_t)it->member[p[q]] << q;
        for (uint32_t step = 0; step < it->min && reach; step++)
            reach = (reach & in) << 1;
        if (it->max == UNBOUNDED || (int64_t)(it->max - it->min) >= n) {
            /* As many more as the set allows: adding (reach & in) to in carries each
               reach bit to the end of its run of set bytes, and the xor with in marks
               every position passed on the way. */
            reach |= ((reach & in) + in) ^ in;
        } else {
            uint64_t cur = reach;
            for (uint32_t step = it->min; step < it->max && cur; step++) {
                cur = (cur & in) << 1;
                reach |= cur;
            }
        }
        if (!reach)
            return 0;
    }
    return (int)(reach >> n & 1);
}

/* 1: the cell matches; 0: it does not; -1: out of memory. */
static int match_cell(struct program *g, const uint8_t *p, int64_t n)
{
    if ((uint64_t)n < g->shortest || (uint64_t)n > g->longest)
        return 0;
    if (n < 64)
        return match_short(g, p, n);
    if (n > g->capacity) {
        int64_t want = n > 2 * g->capacity ? n : 2 * g->capacity;
        uint8_t *reach = realloc(g->reach, (size_t)want + 2);
        if (reach == NULL)
            return -1;
        g->reach = reach;
        int32_t *next = realloc(g->next, ((size_t)want + 2) * sizeof *next);
        if (next == NULL)
            return -1;
        g->next = next;
        int64_t *run = realloc(g->run, ((size_t)want + 2) * sizeof *run);
        if (run == NULL)
            return -1;
        g->run = run;
        g->capacity = want;
    }
    uint8_t *reach = g->reach;
    int32_t *next = g->next;
    int64_t *run = g->run;
    memset(reach, 0, (size_t)n + 1);
    reach[0] = 1;
    for (int k = 0; k < g->count; k++) {
        const struct item *it = &g->items[k];
        /* run[q]: how many bytes from q on are in the set */
        run[n] = 0;
        for (int64_t q = n - 1; q >= 0; q--)
            run[q] = in_set(it->set, p[q]) ? run[q + 1] + 1 : 0;
        /* next[q] for every q reached from some p with p + min <= q <= p + min(max, run[p]),
           marked as +1/-1 at the ends of each range and summed left to right */
        memset(next, 0, ((size_t)n + 2) * sizeof *next);
        int any = 0;
        for (int64_t q = 0; q <= n; q++) {
            if (!reach[q] || run[q] < (int64_t)it->min)
                continue;
            int64_t hi = it->max == UNBOUNDED || (int64_t)it->max > run[q] ? run[q] : it->max;
            next[q + it->min] += 1;
            next[q + hi + 1] -= 1;
            any = 1;
        }
        if (!any)
            return 0;
        int64_t open = 0;
        for (int64_t q = 0; q <= n; q++) {
            open += next[q];
            reach[q] = open > 0;
        }
    }
    return reach[n];
}

/* The memo slot of a cell of up to 16 bytes, and the cell's key in *a and *b. Two cells of
   one length n are equal when their first eight and last eight bytes are (n >= 8), or
   their n bytes (n < 8). */
static inline struct memo_slot *memo_slot_of(struct memo_slot *memo, const uint8_t *p, int64_t n,
                                             int in_view, uint64_t *a, uint64_t *b)
{
    *a = in_view ? head_in_view(p, n) : head_of(p, n);
    *b = n >= 8 ? load64(p + n - 8) : 0;
    uint64_t h = (*a ^ (*b * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)n * 0xC2B2AE3D27D4EB4Full)) *
                 0xFF51AFD7ED558CCDull;
    return &memo[h >> 58];
}

static inline void memo_keep(struct memo_slot *slot, uint64_t a, uint64_t b, int64_t n, int result)
{
    slot->a = a;
    slot->b = b;
    slot->n = n + 1;
    slot->result = result;
}

/* match_cell, answered from the memo for a cell of up to 16 bytes seen before. */
static int match_memo(struct program *g, const uint8_t *p, int64_t n, int in_view)
{
    if (n > 16)
        return match_cell(g, p, n);
    uint64_t a, b;
    struct memo_slot *slot = memo_slot_of(g->memo, p, n, in_view, &a, &b);
    if (slot->n == n + 1 && slot->a == a && slot->b == b)
        return slot->result;
    int result = match_cell(g, p, n);
    if (result >= 0)
        memo_keep(slot, a, b, n, result);
    return result;
}

/* ---- the functions ------------------------------------------------------------------------ */

enum kind { DATETIMES, DATES, MATCHES, DIGITS, MEMBERS };

/* A set of strings (an enum's members), compared byte for byte. */
#define MAX_MEMBERS 256

struct members {
    int count;
    int64_t size[MAX_MEMBERS];
    const uint8_t *data[MAX_MEMBERS];
    uint64_t head[MAX_MEMBERS]; /* see head_of */
};

static int is_member(const struct members *m, const uint8_t *p, int64_t n, uint64_t head)
{
    for (int k = 0; k < m->count; k++)
        if (m->size[k] == n && m->head[k] == head &&
            (n <= 8 || memcmp(m->data[k] + 8, p + 8, (size_t)(n - 8)) == 0))
            return 1;
    return 0;
}

/* is_member, answered from the memo for a cell of up to 16 bytes seen before (an enum
   column holds its few values many times over). */
static int member_memo(struct memo_slot *memo, const struct members *m, const uint8_t *p, int64_t n,
                       int in_view)
{
    if (n > 16)
        return is_member(m, p, n, head_of(p, n));
    uint64_t a, b;
    struct memo_slot *slot = memo_slot_of(memo, p, n, in_view, &a, &b);
    if (slot->n == n + 1 && slot->a == a && slot->b == b)
        return slot->result;
    int result = is_member(m, p, n, a);
    memo_keep(slot, a, b, n, result);
    return result;
}

/*
 * Whether a cell holds at least `length` ASCII digits in a row. A window of `length`
 * bytes is looked at from its end: a byte there that is no digit rules out every run
 * starting in the window, so text with few digits costs about n / length tests.
 */
static int digit_run(const uint8_t *p, int64_t n, int64_t length)
{
    int64_t i = 0;
    while (i + length <= n) {
        int64_t last = i + length - 1;
        if (!is_digit(p[last])) {
            i = last + 1;
            continue;
        }
        int64_t start = last;
        while (start > i && is_digit(p[start - 1]))
            start--;
        if (start == i)
            return 1; /* p[i .. last] are all digits */
        i = start;
    }
    return 0;
}

/* Run one kind over every cell of a stream capsule; returns the result capsule. */
static PyObject *run(PyObject *capsule, enum kind kind, struct program *program, int64_t length,
                     const struct members *set)
{
    struct input in;
    if (input_take(capsule, &in) != 0)
        return NULL;
    int64_t n = in.length;
    size_t width = kind == DATETIMES ? 8 : kind == DATES ? 4 : 0;
    struct result *r = calloc(1, sizeof *r);
    if (r != NULL) {
        r->format = kind == DATETIMES ? "tsu:" : kind == DATES ? "tdD" : "b";
        r->length = n;
        r->values = width ? malloc((size_t)(n > 0 ? n : 1) * width) : calloc((size_t)(n / 8 + 1), 1);
        r->validity = calloc((size_t)(n / 8 + 1), 1);
    }
    if (r == NULL || r->values == NULL || r->validity == NULL) {
        result_free(r);
        input_release(&in);
        return PyErr_NoMemory();
    }
    int64_t nulls = 0, at = 0;
    int failed = 0; /* 1: a view outside its buffers, 2: out of memory */
    struct day_memo memo;
    memset(&memo, 0, sizeof memo);
    memo.year = -1;
    struct memo_slot memo_cells[MEMO_SLOTS]; /* members' answers, see member_memo */
    memset(memo_cells, 0, sizeof memo_cells);
    Py_BEGIN_ALLOW_THREADS
    for (int64_t k = 0; k < in.count && !failed; k++) {
        const struct ArrowArray *a = &in.arrays[k];
        for (int64_t j = 0; j < a->length; j++, at++) {
            const uint8_t *data = NULL;
            int64_t size = 0;
            int found = cell(a, in.layout, j, &data, &size);
            if (found < 0) {
                failed = 1;
                break;
            }
            int ok = 0;
            if (kind == MATCHES || kind == DIGITS || kind == MEMBERS) {
                if (!found) {
                    nulls++;
                    continue;
                }
                int in_view = in.layout == VIEW && size <= 12; /* see head_in_view */
                int matched = kind == DIGITS    ? digit_run(data, size, length)
                              : kind == MEMBERS ? member_memo(memo_cells, set, data, size, in_view)
                                                : match_memo(program, data, size, in_view);
                if (matched < 0) {
                    failed = 2;
                    break;
                }
                r->validity[at >> 3] |= (uint8_t)(1u << (at & 7));
                if (matched)
                    ((uint8_t *)r->values)[at >> 3] |= (uint8_t)(1u << (at & 7));
                continue;
            }
            if (kind == DATETIMES) {
                int64_t value = 0;
                ok = found && size > 0 && parse_datetime(data, size, &memo, &value);
                ((int64_t *)r->values)[at] = value;
            } else {
                int32_t value = 0;
                ok = found && size > 0 && parse_date(data, size, &memo, &value);
                ((int32_t *)r->values)[at] = value;
            }
            if (ok)
                r->validity[at >> 3] |= (uint8_t)(1u << (at & 7));
            else
                nulls++;
        }
    }
    Py_END_ALLOW_THREADS
    input_release(&in);
    if (failed) {
        result_free(r);
        if (failed == 2)
            return PyErr_NoMemory();
        PyErr_SetString(PyExc_ValueError, "a string view points outside its buffers");
        return NULL;
    }
    r->null_count = nulls;

    struct ArrowArrayStream *stream = calloc(1, sizeof *stream);
    if (stream == NULL) {
        result_free(r);
        return PyErr_NoMemory();
    }
    stream->get_schema = stream_get_schema;
    stream->get_next = stream_get_next;
    stream->get_last_error = stream_last_error;
    stream->release = stream_release;
    stream->private_data = r;
    PyObject *out = PyCapsule_New(stream, "arrow_array_stream", capsule_destructor);
    if (out == NULL) {
        stream->release(stream);
        free(stream);
    }
    return out;
}

PyDoc_STRVAR(datetimes_doc,
             "datetimes(stream) -> stream\n\n"
             "RFC 3339 date-times: a String column (an Arrow stream capsule, as from\n"
             "Series.__arrow_c_stream__()) to naive UTC microseconds (timestamp[us]), null\n"
             "where a cell is null, empty or not a valid date-time.");

static PyObject *datetimes(PyObject *module, PyObject *capsule)
{
    (void)module;
    return run(capsule, DATETIMES, NULL, 0, NULL);
}

PyDoc_STRVAR(dates_doc,
             "dates(stream) -> stream\n\n"
             "RFC 3339 full-dates (YYYY-MM-DD): a String column to date32, null where a cell\n"
             "is null, empty or not a valid date.");

static PyObject *dates(PyObject *module, PyObject *capsule)
{
    (void)module;
    return run(capsule, DATES, NULL, 0, NULL);
}

PyDoc_STRVAR(matches_doc,
             "matches(stream, program) -> stream\n\n"
             "Whether each cell of a String column matches an anchored pattern of character\n"
             "classes, compiled by compliance.validation.native (a boolean column, null\n"
             "where the cell is null).");

static PyObject *matches(PyObject *module, PyObject *args)
{
    (void)module;
    PyObject *capsule;
    Py_buffer code;
    if (!PyArg_ParseTuple(args, "Oy*:matches", &capsule, &code))
        return NULL;
    const Py_ssize_t size = sizeof(((struct item *)0)->set) + 8;
    if (code.len == 0 || code.len % size != 0 || code.len / size > MAX_ITEMS) {
        PyBuffer_Release(&code);
        PyErr_SetString(PyExc_ValueError, "not a compiled pattern");
        return NULL;
    }
    struct program *g = calloc(1, sizeof *g);
    if (g == NULL) {
        PyBuffer_Release(&code);
        return PyErr_NoMemory();
    }
    const uint8_t *b = code.buf;
    g->count = (int)(code.len / size);
    for (int k = 0; k < g->count; k++, b += size) {
        struct item *it = &g->items[k];
        memcpy(it->set, b, 32);
        for (int c = 0; c < 256; c++)
            it->member[c] = in_set(it->set, (uint8_t)c);
        it->min = (uint32_t)b[32] | (uint32_t)b[33] << 8 | (uint32_t)b[34] << 16 | (uint32_t)b[35] << 24;
        it->max = (uint32_t)b[36] | (uint32_t)b[37] << 8 | (uint32_t)b[38] << 16 | (uint32_t)b[39] << 24;
        g->shortest += it->min;
        g->longest = it->max == UNBOUNDED || g->longest == UINT64_MAX ? UINT64_MAX
                                                                        : g->longest + it->max;
    }
    PyBuffer_Release(&code);
    PyObject *out = run(capsule, MATCHES, g, 0, NULL);
    free(g->reach);
    free(g->next);
    free(g->run);
    free(g);
    return out;
}

#if defined(__GNUC__)
#define INLINED inline __attribute__((always_inline))
#else
#define INLINED inline
#endif

/* Call visit(state, bytes, size) for each non-null cell of the column in order, without
   the GIL, until it returns non-zero. Takes the column (input_take) and releases it.
   Returns 0, or -1 with a Python error set (the stream could not be taken, or a string
   view points outside its buffers). Inlined into each caller, so that the call of visit
   is direct and inlined as well (through a pointer it made decimals() twice as slow). */
static INLINED int each_cell(PyObject *capsule, int (*visit)(void *, const uint8_t *, int64_t),
                             void *state)
{
    struct input in;
    if (input_take(capsule, &in) != 0)
        return -1;
    int broken = 0, stop = 0;
    Py_BEGIN_ALLOW_THREADS
    for (int64_t k = 0; k < in.count && !stop && !broken; k++) {
        const struct ArrowArray *a = &in.arrays[k];
        for (int64_t j = 0; j < a->length; j++) {
            const uint8_t *p = NULL;
            int64_t n = 0;
            int found = cell(a, in.layout, j, &p, &n);
            if (found < 0) {
                broken = 1;
                break;
            }
            if (found && visit(state, p, n)) {
                stop = 1;
                break;
            }
        }
    }
    Py_END_ALLOW_THREADS
    input_release(&in);
    if (broken) {
        PyErr_SetString(PyExc_ValueError, "a string view points outside its buffers");
        return -1;
    }
    return 0;
}

PyDoc_STRVAR(decimals_doc,
             "decimals(stream) -> (plain, dot, widest)\n\n"
             "Facts about a String column read as numbers, in one pass: whether every\n"
             "non-null cell is empty or a plain decimal (-?[0-9]+(\\.[0-9]+)?), whether any\n"
             "cell holds a '.', and the length in bytes of the longest cell (0 if none).");

struct decimal_facts {
    int plain, dot;
    int64_t widest;
};

static int decimal_cell(void *state, const uint8_t *p, int64_t n)
{
    struct decimal_facts *f = state;
    if (n > f->widest)
        f->widest = n;
    if (!f->dot && memchr(p, '.', (size_t)n) != NULL)
        f->dot = 1;
    if (!f->plain || n == 0)
        return 0;
    /* -?[0-9]+(\.[0-9]+)? */
    int64_t i = p[0] == '-' ? 1 : 0, start = i;
    while (i < n && is_digit(p[i]))
        i++;
    if (i == start) {
        f->plain = 0;
        return 0;
    }
    if (i < n && p[i] == '.') {
        int64_t fraction = ++i;
        while (i < n && is_digit(p[i]))
            i++;
        if (i == fraction) {
            f->plain = 0;
            return 0;
        }
    }
    if (i != n)
        f->plain = 0;
    return 0;
}

static PyObject *decimals(PyObject *module, PyObject *capsule)
{
    (void)module;
    struct decimal_facts f = {1, 0, 0};
    if (each_cell(capsule, decimal_cell, &f) != 0)
        return NULL;
    return Py_BuildValue("(OOL)", f.plain ? Py_True : Py_False, f.dot ? Py_True : Py_False,
                         (long long)f.widest);
}

/* ---- byte lengths ------------------------------------------------------------------------ */

PyDoc_STRVAR(byte_lengths_doc,
             "byte_lengths(stream) -> (shortest, longest)\n\n"
             "The length in bytes of the shortest and of the longest non-null cell of a\n"
             "String column, (-1, -1) if it has none. A cell of n bytes holds between\n"
             "ceil(n / 4) and n characters (UTF-8).");

static PyObject *byte_lengths(PyObject *module, PyObject *capsule)
{
    (void)module;
    /* Only the lengths are read (a view holds its length in its first four bytes), never
       the strings: no branch on whether a string is inline, which a column mixing strings
       of up to 12 bytes with longer ones mispredicted about half the time (911k cells of
       13 bytes on average: 4.1 ms through each_cell). */
    struct input in;
    if (input_take(capsule, &in) != 0)
        return NULL;
    int64_t shortest = INT64_MAX, longest = -1;
    Py_BEGIN_ALLOW_THREADS
    for (int64_t k = 0; k < in.count; k++) {
        const struct ArrowArray *a = &in.arrays[k];
        const uint8_t *validity = a->buffers[0];
        for (int64_t j = 0; j < a->length; j++) {
            int64_t at = a->offset + j, n;
            if (validity && !(validity[at >> 3] & (1u << (at & 7))))
                continue;
            if (in.layout == VIEW) {
                int32_t length;
                memcpy(&length, (const uint8_t *)a->buffers[1] + 16 * at, 4);
                n = length;
            } else if (in.layout == UTF8) {
                const int32_t *offsets = a->buffers[1];
                n = offsets[at + 1] - offsets[at];
            } else {
                const int64_t *offsets = a->buffers[1];
                n = offsets[at + 1] - offsets[at];
            }
            shortest = n < shortest ? n : shortest;
            longest = n > longest ? n : longest;
        }
    }
    Py_END_ALLOW_THREADS
    input_release(&in);
    if (longest < 0)
        shortest = -1;
    return Py_BuildValue("(LL)", (long long)shortest, (long long)longest);
}

/* ---- surrounding white space ------------------------------------------------------------ */

/* Whether the UTF-8 text p[0..n) begins (at_end == 0) or ends (at_end == 1) with a
   character of Unicode's White_Space property: what Rust's char::is_whitespace, and so
   polars' str.strip_chars() without an argument, removes. The text is valid UTF-8 (a
   polars String), so a lead byte found at n-2 or n-3 starts the last character. */
static int white_edge(const uint8_t *p, int64_t n, int at_end)
{
    if (n <= 0)
        return 0;
    uint8_t c = at_end ? p[n - 1] : p[0];
    if (c == ' ' || (c >= 0x09 && c <= 0x0D))
        return 1;
    if (c < 0x80)
        return 0;
    const uint8_t *q;
    if (n >= 2) { /* U+0085, U+00A0 */
        q = at_end ? p + n - 2 : p;
        if (q[0] == 0xC2 && (q[1] == 0x85 || q[1] == 0xA0))
            return 1;
    }
    if (n >= 3) {
        q = at_end ? p + n - 3 : p;
        if (q[0] == 0xE1 && q[1] == 0x9A && q[2] == 0x80) /* U+1680 */
            return 1;
        if (q[0] == 0xE2 && q[1] == 0x80 &&
            ((q[2] >= 0x80 && q[2] <= 0x8A) || q[2] == 0xA8 || q[2] == 0xA9 || q[2] == 0xAF))
            return 1; /* U+2000..U+200A, U+2028, U+2029, U+202F */
        if (q[0] == 0xE2 && q[1] == 0x81 && q[2] == 0x9F) /* U+205F */
            return 1;
        if (q[0] == 0xE3 && q[1] == 0x80 && q[2] == 0x80) /* U+3000 */
            return 1;
    }
    return 0;
}

PyDoc_STRVAR(padded_doc,
             "padded(stream) -> bool\n\n"
             "Whether any non-null cell of a String column begins or ends with white space\n"
             "(Unicode's White_Space property): whether str.strip_chars() would change any.");

static int padded_cell(void *state, const uint8_t *p, int64_t n)
{
    return *(int *)state = white_edge(p, n, 0) || white_edge(p, n, 1);
}

static PyObject *padded(PyObject *module, PyObject *capsule)
{
    (void)module;
    int found = 0;
    if (each_cell(capsule, padded_cell, &found) != 0)
        return NULL;
    return PyBool_FromLong(found);
}

/* ---- CSV field counts ----------------------------------------------------------------------- */

struct line_state {
    int64_t commas, quotes, outside, pending;
    int in_quote, content;
};

struct field_counts {
    int64_t width, count, report;
    int wide, odd;
    int64_t *found;
};

/* Judge one finished line (see csv_fields). */
static void judge_line(const struct line_state *st, int64_t line, struct field_counts *fc)
{
    if (!st->quotes && st->commas == fc->width - 1)
        return;
    int wrong = 1;
    if (st->quotes) {
        int64_t fields = st->outside + 1;
        if (fc->wide)
            wrong = fields + (st->in_quote ? st->pending : 0) != fc->width;
        else
            wrong = st->in_quote || fields != fc->width;
    }
    if (st->quotes % 2)
        fc->odd = 1;
    if (wrong && st->content) {
        if (fc->count < fc->report)
            fc->found[fc->count] = line;
        fc->count++;
    }
}

/* How many bytes of [p, end) equal c. */
static int64_t count_byte(const uint8_t *p, const uint8_t *end, uint8_t c)
{
    int64_t n = 0;
    for (; p < end; p++)
        n += *p == c;
    return n;
}

/* Add a piece of a line (no line break in it) to the line's state. */
static void scan_piece(struct line_state *st, const uint8_t *p, const uint8_t *end)
{
    if (!st->content) {
        for (const uint8_t *q = p; q < end; q++)
            if (*q != '\r') {
                st->content = 1;
                break;
            }
    }
    if (memchr(p, '"', (size_t)(end - p)) == NULL) {
        int64_t commas = count_byte(p, end, ',');
        st->commas += commas;
        if (st->in_quote)
            st->pending += commas;
        else
            st->outside += commas;
        return;
    }
    for (; p < end; p++) {
        if (*p == '"') {
            st->quotes++;
            st->in_quote = !st->in_quote;
            st->pending = 0;
        } else if (*p == ',') {
            st->commas++;
            if (st->in_quote)
                st->pending++;
            else
                st->outside++;
        }
    }
}

PyDoc_STRVAR(csv_fields_doc,
             "csv_fields(source, width, limit, wide, report) -> (lines, count, odd)\n\n"
             "The physical lines after the first whose number of fields differs from width,\n"
             "as compliance.evidence.tables._csv_field_check computes it with polars: a line\n"
             "with no quote has one field more than it has commas; a line with quotes is cut\n"
             "into fields at commas outside \"...\" segments (with wide, an unclosed quote\n"
             "hides nothing; without, it makes the line wrong); a line holding nothing but\n"
             "carriage returns is never wrong. At most limit + 1 lines are looked at (limit\n"
             "< 0: all). Returns the first `report` wrong line numbers, how many are wrong,\n"
             "and whether a looked-at line with quotes or a wrong count has an odd number of\n"
             "quotes (a quoted line break, which only a CSV reader can count exactly).\n"
             "source is the file's path, or its whole content as bytes.");

/* The field-count scan over a file's bytes, fed chunk by chunk. */
struct field_scan {
    struct line_state st;
    struct field_counts *fc;
    int64_t line, looked, limit;
    int started, done;
};

static void field_scan_feed(struct field_scan *sc, const uint8_t *at, const uint8_t *stop)
{
    while (!sc->done && at < stop) {
        const uint8_t *nl = memchr(at, '\n', (size_t)(stop - at));
        const uint8_t *piece_end = nl ? nl : stop;
        if (piece_end > at) {
            sc->started = 1;
            if (sc->line > 1)
                scan_piece(&sc->st, at, piece_end);
        }
        if (nl == NULL)
            break; /* the line goes on in the next chunk */
        if (sc->line > 1) {
            if (sc->limit >= 0 && sc->looked > sc->limit) {
                sc->done = 1;
                break;
            }
            sc->looked++;
            judge_line(&sc->st, sc->line, sc->fc);
        }
        memset(&sc->st, 0, sizeof sc->st);
        sc->started = 0;
        sc->line++;
        at = nl + 1;
    }
}

static void field_scan_finish(struct field_scan *sc)
{
    if (!sc->done && sc->started && sc->line > 1 && !(sc->limit >= 0 && sc->looked > sc->limit))
        judge_line(&sc->st, sc->line, sc->fc); /* a last line without a line break */
}

static PyObject *csv_fields(PyObject *module, PyObject *args)
{
    (void)module;
    PyObject *source;
    long long width, limit;
    int wide, report;
    if (!PyArg_ParseTuple(args, "OLLpi:csv_fields", &source, &width, &limit, &wide, &report))
        return NULL;
    if (report < 0 || report > 1000) {
        PyErr_SetString(PyExc_ValueError, "report must be between 0 and 1000");
        return NULL;
    }
    int64_t found[1000];
    struct field_counts fc = {width, 0, report, wide, 0, found};
    struct field_scan sc;
    memset(&sc, 0, sizeof sc);
    sc.fc = &fc;
    sc.line = 1;
    sc.limit = limit;
    if (PyBytes_Check(source)) {
        /* The content, already read: scanned in place (the bytes object is immutable and
           held by the caller for the whole call). */
        const uint8_t *data = (const uint8_t *)PyBytes_AS_STRING(source);
        Py_ssize_t size = PyBytes_GET_SIZE(source);
        Py_BEGIN_ALLOW_THREADS
        field_scan_feed(&sc, data, data + size);
        field_scan_finish(&sc);
        Py_END_ALLOW_THREADS
    } else {
        PyObject *path_bytes = NULL;
        if (!PyUnicode_FSConverter(source, &path_bytes))
            return NULL;
        int failed = 0;
        uint8_t *buffer = malloc(1 << 20);
        if (buffer == NULL) {
            Py_DECREF(path_bytes);
            return PyErr_NoMemory();
        }
        Py_BEGIN_ALLOW_THREADS
        FILE *file = fopen(PyBytes_AS_STRING(path_bytes), "rb");
        if (file == NULL) {
            failed = 1;
        } else {
            size_t got;
            while (!sc.done && (got = fread(buffer, 1, 1 << 20, file)) > 0)
                field_scan_feed(&sc, buffer, buffer + got);
            if (ferror(file))
                failed = 1;
            else
                field_scan_finish(&sc);
            fclose(file);
        }
        Py_END_ALLOW_THREADS
        free(buffer);
        if (failed) {
            PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, path_bytes);
            Py_DECREF(path_bytes);
            return NULL;
        }
        Py_DECREF(path_bytes);
    }
    int64_t count = fc.count, shown = count < report ? count : report;
    PyObject *lines = PyList_New((Py_ssize_t)shown);
    if (lines == NULL)
        return NULL;
    for (int64_t k = 0; k < shown; k++) {
        PyObject *n = PyLong_FromLongLong((long long)found[k]);
        if (n == NULL) {
            Py_DECREF(lines);
            return NULL;
        }
        PyList_SET_ITEM(lines, (Py_ssize_t)k, n);
    }
    return Py_BuildValue("(NLO)", lines, (long long)count, fc.odd ? Py_True : Py_False);
}

PyDoc_STRVAR(digit_runs_doc,
             "digit_runs(stream, length) -> stream\n\n"
             "Whether each cell of a String column holds at least `length` ASCII digits in\n"
             "a row (a boolean column, null where the cell is null).");

static PyObject *digit_runs(PyObject *module, PyObject *args)
{
    (void)module;
    PyObject *capsule;
    long long length;
    if (!PyArg_ParseTuple(args, "OL:digit_runs", &capsule, &length))
        return NULL;
    if (length < 1) {
        PyErr_SetString(PyExc_ValueError, "length must be at least 1");
        return NULL;
    }
    return run(capsule, DIGITS, NULL, (int64_t)length, NULL);
}

PyDoc_STRVAR(members_doc,
             "members(stream, strings) -> stream\n\n"
             "Whether each cell of a String column is one of `strings` (a list of str, at\n"
             "most 256), byte for byte: a boolean column, null where the cell is null.");

static PyObject *members(PyObject *module, PyObject *args)
{
    (void)module;
    PyObject *capsule, *strings;
    if (!PyArg_ParseTuple(args, "OO!:members", &capsule, &PyList_Type, &strings))
        return NULL;
    Py_ssize_t count = PyList_GET_SIZE(strings);
    if (count > MAX_MEMBERS) {
        PyErr_SetString(PyExc_ValueError, "at most 256 strings");
        return NULL;
    }
    struct members set;
    set.count = (int)count;
    for (Py_ssize_t k = 0; k < count; k++) {
        Py_ssize_t size;
        const char *data = PyUnicode_AsUTF8AndSize(PyList_GET_ITEM(strings, k), &size);
        if (data == NULL)
            return NULL; /* not a str */
        set.size[k] = size;
        set.data[k] = (const uint8_t *)data; /* owned by the list, which outlives the call */
        set.head[k] = head_of(set.data[k], size);
    }
    return run(capsule, MEMBERS, NULL, 0, &set);
}

static PyMethodDef methods[] = {
    {"datetimes", datetimes, METH_O, datetimes_doc},
    {"dates", dates, METH_O, dates_doc},
    {"matches", matches, METH_VARARGS, matches_doc},
    {"decimals", decimals, METH_O, decimals_doc},
    {"byte_lengths", byte_lengths, METH_O, byte_lengths_doc},
    {"csv_fields", csv_fields, METH_VARARGS, csv_fields_doc},
    {"digit_runs", digit_runs, METH_VARARGS, digit_runs_doc},
    {"members", members, METH_VARARGS, members_doc},
    {"padded", padded, METH_O, padded_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    .m_base = PyModuleDef_HEAD_INIT,
    .m_name = "_native",
    .m_doc = "Optional C helpers for the column validator.",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__native(void) { return PyModule_Create(&module); }
