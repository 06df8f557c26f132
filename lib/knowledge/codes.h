/*
 * codes.h: what error codes mean, from the knowledge tables under data/codes/.
 *
 * Tables (TSV: code, name, en, zh, fix_en, fix_zh): mosetup.tsv (MOSETUP_E_*, WINDLP_E_*),
 * hresult.tsv (COM, crypto, CBS_E_*, SetupAPI), win32.tsv (decimal Win32 codes; 0x8007xxxx
 * HRESULTs are found through them), ntstatus.tsv, and the two halves of setup's extended
 * code, extend_phase.tsv and extend_op.tsv. Lookups read the embedded copy each time: there
 * is no cache and no global state, and a support engineer extends knowledge by editing TSV.
 */
#ifndef UPDX_KNOWLEDGE_CODES_H
#define UPDX_KNOWLEDGE_CODES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Field sizes: long enough for every row we ship; longer text is cut, never overflows. */
#define UPDX_CODE_NAME_MAX 96
#define UPDX_CODE_TEXT_MAX 512

typedef struct updx_code_info {
    uint32_t value;                  /* the code asked about */
    uint32_t table_code;             /* the code as found in the table (Win32 for 0x8007xxxx) */
    const char *table;               /* "mosetup", "hresult", "win32", "ntstatus", ... (static) */
    bool via_win32;                  /* found as HRESULT_FROM_WIN32(table_code) */
    char name[UPDX_CODE_NAME_MAX];   /* "MOSETUP_E_SETUP_PLATFORM"; "-" when unnamed */
    char en[UPDX_CODE_TEXT_MAX];
    char zh[UPDX_CODE_TEXT_MAX];
    char fix_en[UPDX_CODE_TEXT_MAX]; /* "" when no usual fix is known */
    char fix_zh[UPDX_CODE_TEXT_MAX];
} updx_code_info;

/* Looks a result code up: MOSETUP, other HRESULTs, NTSTATUS, then HRESULT_FROM_WIN32 and
 * plain Win32 values. Returns false (out->name empty) when unknown. */
bool updx_code_lookup(uint32_t value, updx_code_info *out);

/* The upgrade phases of the report contract, from an extended code's first digit. */
typedef enum updx_upgrade_phase {
    UPDX_PHASE_NONE = -1,
    UPDX_PHASE_UNKNOWN = 0,
    UPDX_PHASE_DOWNLEVEL = 1,
    UPDX_PHASE_SAFE_OS = 2,
    UPDX_PHASE_FIRST_BOOT = 3,
    UPDX_PHASE_OOBE_BOOT = 4,
    UPDX_PHASE_UNINSTALL = 5,
} updx_upgrade_phase;

/* "DOWNLEVEL", "SAFE_OS", "FIRST_BOOT", "OOBE_BOOT", "UNINSTALL", or NULL for others. */
const char *updx_upgrade_phase_name(updx_upgrade_phase phase);

/* An extended code split into phase and operation, with their table rows. */
typedef struct updx_extend_info {
    uint32_t extended;
    uint32_t phase;          /* first hex digit: (ext >> 16) & 0xF */
    uint32_t operation;      /* low 16 bits (the tables use the last two digits) */
    updx_code_info phase_info;     /* name "SP_EXECUTION_FIRST_BOOT" etc.; empty when unknown */
    updx_code_info operation_info; /* name "SP_EXECUTION_OP_SYSPREP" etc. */
    bool phase_known, operation_known;
} updx_extend_info;

/* Decodes an extended code (e.g. 0x30018). False when it is not one (above 0xFFFFF). */
bool updx_extend_decode(uint32_t extended, updx_extend_info *out);

/* Parses "0xC1900101", "C1900101", "-1047526904", "0xC1900101-0x30017",
 * "0xC1900101 - 0x30017". *has_ext tells whether an extended code was given. Pure. */
bool updx_code_parse(const char *s, uint32_t *result, uint32_t *ext, bool *has_ext);

/* True for codes that are the telemetry remap rather than the error (0xC1900108). */
bool updx_code_is_telemetry_remap(uint32_t value);

/* Checks one embedded table: every data row has 6 fields and a code that parses. Returns the
 * number of rows, or -1 with *bad_line set to the first bad line. For tests and `updx doctor`. */
int updx_code_table_check(const char *path, size_t *bad_line);

#endif
