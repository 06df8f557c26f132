/*
 * setupact.h: the reader of Panther-family logs (setupact.log, setuperr.log of every phase
 * folder, and the old co-installer C:\Windows\setupact.log).
 *
 * A Panther line is "YYYY-MM-DD HH:MM:SS, Level [0xMSGID] COMPONENT message[gle=0x...]" with
 * fixed columns in real files and collapsed spacing in copies from documents; the component may
 * be blank, and OOBE logs put "[process.exe]" at the start of the message. Lines without a
 * timestamp after a Panther line continue it. A file with no Panther line at all is an
 * old-style log: its lines are kept as untyped lines.
 *
 * The line parser and classifier are pure; updx_setupact_read adds what matters to
 * c->setup (see setup_facts.h) and rollback-log bug checks to c->crashes.
 */
#ifndef UPDX_LOGS_SETUPACT_H
#define UPDX_LOGS_SETUPACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "logs/setup_facts.h"
#include "model/case.h"
#include "text/text.h"

/* One line split into its fields; pointers go into the line given. */
typedef struct updx_setupact_line {
    bool typed;                    /* had timestamp and level */
    const char *time_text;         /* 19 chars when typed */
    int64_t time;                  /* see updx_setup_time_parse */
    updx_setup_level level;
    const char *msgid;             /* "0x080489" without brackets, or NULL */
    size_t msgid_len;
    const char *component;         /* may be empty (len 0) */
    size_t component_len;
    const char *process;           /* "windeploy.exe", or NULL */
    size_t process_len;
    const char *message;           /* leading blanks and the [gle=] suffix removed */
    size_t message_len;
    bool has_gle;
    uint32_t gle;
} updx_setupact_line;

/* Splits one line. Returns true when it has the Panther layout (out->typed). Pure. */
bool updx_setupact_parse_line(const char *s, size_t len, updx_setupact_line *out);

/* "YYYY-MM-DD HH:MM:SS" as seconds since 1970-01-01 00:00:00 of the same (local) clock;
 * comparable between lines of one machine, not a UTC instant. Returns 0 when malformed. */
int64_t updx_setup_time_parse(const char *s, size_t len);

/* What a message means to the story: the mark, its numbers and its text (pointing into msg).
 * Pure. */
typedef struct updx_setupact_mark {
    updx_setup_mark mark;
    uint64_t a, b;
    const char *arg;
    size_t arg_len;
} updx_setupact_mark;
void updx_setupact_classify(const char *msg, size_t len, updx_setupact_mark *out);
/* Every literal the classifier looks for: a message holding none of them has no mark. When
 * the text layer's prefilter set starts with these (ids 0..n-1), lines without such a hit
 * skip the classifier. */
const updx_literal *updx_setupact_literals(size_t *n);

/* Reads every line of t into c->setup. src says setupact/setuperr (old-style is detected).
 * Returns UPDX_OK, UPDX_PARTIAL (a cap or a read error cut it short; a note says so) or a
 * negative status. */
int updx_setupact_read(updx_case *c, const char *member, updx_text *t, updx_setup_source src);
/* The same over bytes in memory (pure entry point for tests and fuzzers). */
int updx_setupact_read_mem(updx_case *c, const char *member, const void *data, size_t len,
                           updx_setup_source src);

#endif
