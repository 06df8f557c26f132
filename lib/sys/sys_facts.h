/*
 * sys_facts.h: the system state of the failed PC, as registry hives, .reg exports,
 * `reg query` output and event logs show it (c->sys).
 *
 * The diagnosis needs three things from here: the service key of a driver that a crash or a
 * setupapi section names (Start, ImagePath, group, the product that installed it), whether
 * that driver is still listed as a device-class filter (disabling such a driver makes the
 * machine fail to boot with 0x7B, so the remediation must say so), and the events that
 * tell what crashed when. Readers (hive.c, regfile.c, evtx.c) fill this through
 * reg_ingest.h and evtx.c; everything lives in the case's arena.
 */
#ifndef UPDX_SYS_SYS_FACTS_H
#define UPDX_SYS_SYS_FACTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/case.h"

/* Where a registry fact was read: the member and the key path inside it. */
typedef struct updx_sys_source {
    const char *file;
    const char *key;   /* e.g. "ControlSet001\Services\lwfmgr" (below the hive root) */
    uint64_t line;     /* the .reg line of the value that made the record, or 0 */
    uint64_t offset;   /* its value cell's offset in the hive, or UPDX_NO_OFFSET */
} updx_sys_source;

/* Service Start values. */
enum { UPDX_START_BOOT = 0, UPDX_START_SYSTEM = 1, UPDX_START_AUTO = 2, UPDX_START_DEMAND = 3,
       UPDX_START_DISABLED = 4 };

typedef struct updx_sys_service {
    const char *name;
    uint32_t control_set;          /* N of ControlSet00N; 0 = CurrentControlSet or a hive
                                      whose root is the Services key */
    bool has_start, has_type, has_error_control;
    uint32_t start, type, error_control;
    const char *image_path, *group, *display_name, *description;  /* NULL when absent */
    updx_avec owners;              /* const char *: INF names ("oem12.inf") */
    updx_sys_source source;
} updx_sys_service;

/* A device setup class key (Control\Class\{guid}) with its class-wide filters. */
typedef struct updx_sys_class_filter {
    const char *class_guid;        /* "{4d36e972-e325-11ce-bfc1-08002be10318}" as written */
    const char *class_name;        /* the Class value ("Net"), or NULL */
    uint32_t control_set;
    updx_avec upper, lower;        /* const char *: service names */
    updx_sys_source source;
} updx_sys_class_filter;

/* A network component registration under Control\Network\{class}\{instance} (NDIS
 * lightweight filters are NetService components with Ndi\FilterClass set). */
typedef struct updx_sys_ndis_filter {
    const char *net_class_guid;    /* {4d36e974-...} = NetService (filters, services) */
    const char *instance_guid;
    uint32_t control_set;
    const char *component_id, *description, *service, *filter_class, *help_text;
    bool has_filter_type, has_filter_run_type;
    uint32_t filter_type;          /* 1 monitoring, 2 modifying */
    uint32_t filter_run_type;      /* 1 mandatory, 2 optional */
    updx_sys_source source;
} updx_sys_ndis_filter;

/* A value under Setup\SetupDiag\Results, Setup\MoSetup (and below), kept as text. */
typedef struct updx_sys_setting {
    const char *name;
    const char *value;             /* numbers as decimal and 0x hex, binary as hex */
    updx_sys_source source;
} updx_sys_setting;

typedef struct updx_sys_os {
    const char *product_name, *edition_id, *current_build, *display_version,
        *installation_type, *release_id, *build_lab_ex;
    bool has_ubr;
    uint32_t ubr;
    uint32_t current_control_set;  /* Select\Current; 0 = not seen */
    const char *source;            /* member the CurrentVersion values came from */
} updx_sys_os;

typedef struct updx_sys_program {
    const char *key;               /* the Uninstall subkey name (product code or name) */
    bool wow64;                    /* from the 32-bit view (WOW6432Node) */
    const char *display_name, *publisher, *display_version, *install_location,
        *uninstall_string, *install_date;
    updx_sys_source source;
} updx_sys_program;

typedef enum updx_sys_event_kind {
    UPDX_EVENT_BUGCHECK,            /* System 1001, WER-SystemErrorReporting (BugCheck) */
    UPDX_EVENT_KERNEL_POWER_41,     /* rebooted without cleanly shutting down */
    UPDX_EVENT_UNEXPECTED_SHUTDOWN, /* EventLog 6008 */
    UPDX_EVENT_SERVICE_FAILURE,     /* Service Control Manager 7000/7001/7026/7034 */
    UPDX_EVENT_SETUP_DIAG,          /* Application WER 1001 WinSetupDiag01/02 */
    UPDX_EVENT_SETUP,               /* Setup channel (servicing) events */
    UPDX_EVENT_WINDOWS_UPDATE,      /* WindowsUpdateClient 19/20/43/44 */
} updx_sys_event_kind;

typedef struct updx_sys_event_field {
    const char *name;              /* Data Name, or "Data1".. for unnamed data (1-based) */
    const char *value;
} updx_sys_event_field;

typedef struct updx_sys_event {
    updx_sys_event_kind kind;
    const char *file;
    uint64_t offset;               /* record offset in the file, or UPDX_NO_OFFSET */
    uint64_t record_id;
    int64_t time;                  /* Unix seconds UTC; 0 when unknown */
    const char *provider, *channel;
    uint32_t event_id;
    uint8_t level;                 /* 1 critical .. 5 verbose, 0 = always/unknown */
    bool recovered;                /* read from slack space by libevtx */
    updx_avec fields;              /* updx_sys_event_field, in document order */
} updx_sys_event;

struct updx_sys_facts {
    updx_avec services;       /* updx_sys_service */
    updx_avec class_filters;  /* updx_sys_class_filter */
    updx_avec ndis_filters;   /* updx_sys_ndis_filter */
    updx_avec settings;       /* updx_sys_setting */
    updx_avec programs;       /* updx_sys_program */
    updx_avec events;         /* updx_sys_event */
    updx_sys_os os;
    uint32_t hives_read, reg_exports_read, event_logs_read;
    uint64_t event_records_seen;   /* over all event logs */
};
typedef struct updx_sys_facts updx_sys_facts;

/* c->sys, created on first use; NULL only when the arena is exhausted. */
updx_sys_facts *updx_sys_get(updx_case *c);

/* The service called `name` (case-insensitive), also found by "lwfmgr.sys" or by the
 * basename of its ImagePath. Prefers the current control set. NULL when unknown. */
const updx_sys_service *updx_sys_find_service(const updx_case *c, const char *name);

/* One class filter entry naming a service. */
typedef struct updx_sys_filter_ref {
    const updx_sys_class_filter *cls;
    bool upper;                    /* UpperFilters (else LowerFilters) */
} updx_sys_filter_ref;

/* Lists every class UpperFilters/LowerFilters entry naming `service` (case-insensitive,
 * ".sys" ignored) into out[0..max); returns how many there are (may exceed max). */
size_t updx_sys_filter_refs(const updx_case *c, const char *service, updx_sys_filter_ref *out,
                            size_t max);

/* NDIS filter registrations whose Ndi\Service is `service`; same contract. */
size_t updx_sys_ndis_refs(const updx_case *c, const char *service,
                          const updx_sys_ndis_filter **out, size_t max);

/* Best-effort: the installed program that most likely owns the service's driver (its
 * InstallLocation holds the ImagePath, or its name shares a distinctive word with the
 * service's DisplayName/Description). *why (may be NULL) gets a short reason. */
const updx_sys_program *updx_sys_program_for_driver(const updx_case *c,
                                                    const updx_sys_service *svc,
                                                    const char **why);

/* The OS facts; never NULL (all fields empty when nothing was read). */
const updx_sys_os *updx_sys_os_facts(const updx_case *c);

/* The value of field `name` of an event, or NULL. */
const char *updx_sys_event_get(const updx_sys_event *ev, const char *name);

/* A stable name for an event kind ("bugcheck", "setup_diag", ...). */
const char *updx_sys_event_kind_name(updx_sys_event_kind kind);

/* True when a service looks third-party: an oemNN.inf owner, or an ImagePath outside the
 * Windows folder. */
bool updx_sys_service_third_party(const updx_sys_service *svc);

/* The "system" object of the report: os, services of interest, filters, programs count,
 * events. A new reference; NULL when nothing was read. */
json_t *updx_sys_to_json(const updx_case *c);

#endif
