/*
 * fixture_hive.c: builds the test hives with the regf writer (see fixture_hive.h).
 *
 * Each fixture is a table of keys and values in a small value syntax: "dword:1",
 * "qword:5", "string:...", "expandstring:...", and "multi:a|b" for a REG_MULTI_SZ. Keys are
 * created in table order (ancestors first, as needed); the writer sorts subkeys as Windows
 * does, so the bytes are the same on every run.
 */
#include "fixture_hive.h"

#include <stdlib.h>
#include <string.h>

#include "regf_writer.h"

typedef struct fx_val {
    const char *name;
    const char *value;
} fx_val;

typedef struct fx_key {
    const char *path;    /* absolute, '\'-separated */
    fx_val vals[12];     /* ended by a NULL name */
} fx_key;

#define NET_CLASS "{4d36e972-e325-11ce-bfc1-08002be10318}"
#define DISK_CLASS "{4d36e967-e325-11ce-bfc1-08002be10318}"
#define NETSERVICE "{4D36E974-E325-11CE-BFC1-08002BE10318}"

/*
 * SYSTEM: the seed case (CAS-06180) as the hive would show it.
 *  - Select\Current = 1, so ControlSet001 is current; ControlSet002 holds an older lwfmgr
 *    with Start=4 that lookups must NOT prefer.
 *  - Services\lwfmgr: the TMS NDIS filter, boot-started (Start=1 system, Type=1 kernel),
 *    ErrorControl=1, ImagePath \SystemRoot\System32\drivers\lwfmgr.sys, Group NDIS,
 *    DisplayName "TMS Lightweight Filter Manager", Owners oem42.inf (third party).
 *  - Services\vwifimf: the second suspect, Start=3, ImagePath without \SystemRoot.
 *  - Services\Tcpip: an in-box service (Owners tcpip.inf), Start=0.
 *  - Control\Class\{4d36e972..} (Net): Class=Net, UpperFilters = lwfmgr: the driver is still
 *    a class filter, so disabling it alone would stop boot (0x7B-style) - the safety case.
 *    Its device subkey 0000 has UpperFilters "devonly" that is NOT a class filter.
 *  - Control\Class\{4d36e967..} (DiskDrive): LowerFilters = EhStorClass, UpperFilters = partmgr.
 *  - Control\Network\{4D36E974..}\{5cbf81bd-..}: ComponentId ms_lwfmgr, Ndi\Service lwfmgr,
 *    FilterClass ms_firewall_upper, FilterType 2 (modifying), FilterRunType 1 (mandatory).
 *  - Setup\MoSetup: AllowUpgradesWithUnsupportedTPMOrCPU=1; Setup\MoSetup\Volatile:
 *    SetupProgress=23; Setup\SetupDiag\Results: ProfileName=FindRollbackFailure.
 */
static const fx_key system_keys[] = {
    {"\\Select", {{"Current", "dword:1"}, {"Default", "dword:1"}, {"LastKnownGood", "dword:2"}}},
    {"\\ControlSet001\\Services\\lwfmgr",
     {{"Start", "dword:1"}, {"Type", "dword:1"}, {"ErrorControl", "dword:1"},
      {"ImagePath", "expandstring:\\SystemRoot\\System32\\drivers\\lwfmgr.sys"},
      {"Group", "string:NDIS"}, {"DisplayName", "string:TMS Lightweight Filter Manager"},
      {"Description", "string:Network traffic control for terminals"},
      {"Owners", "multi:oem42.inf"}}},
    {"\\ControlSet001\\Services\\lwfmgr\\Parameters", {{"Ignored", "dword:7"}}},
    {"\\ControlSet001\\Services\\vwifimf",
     {{"Start", "dword:3"}, {"Type", "dword:1"}, {"ErrorControl", "dword:1"},
      {"ImagePath", "expandstring:system32\\DRIVERS\\vwifimf.sys"}, {"Group", "string:NDIS"},
      {"DisplayName", "string:Virtual WiFi Filter Driver"}}},
    {"\\ControlSet001\\Services\\Tcpip",
     {{"Start", "dword:0"}, {"Type", "dword:1"}, {"ErrorControl", "dword:3"},
      {"ImagePath", "expandstring:System32\\drivers\\tcpip.sys"}, {"Group", "string:PNP_TDI"},
      {"Owners", "multi:tcpip.inf"}}},
    {"\\ControlSet001\\Control\\Class\\" NET_CLASS,
     {{"Class", "string:Net"}, {"UpperFilters", "multi:lwfmgr"}}},
    {"\\ControlSet001\\Control\\Class\\" NET_CLASS "\\0000", {{"UpperFilters", "multi:devonly"}}},
    {"\\ControlSet001\\Control\\Class\\" DISK_CLASS,
     {{"Class", "string:DiskDrive"}, {"UpperFilters", "multi:partmgr"},
      {"LowerFilters", "multi:EhStorClass"}}},
    {"\\ControlSet001\\Control\\Network\\" NETSERVICE "\\{5cbf81bd-5055-47cd-9055-a76b2b4e3697}",
     {{"ComponentId", "string:ms_lwfmgr"}, {"Description", "string:TMS LWF"}}},
    {"\\ControlSet001\\Control\\Network\\" NETSERVICE "\\{5cbf81bd-5055-47cd-9055-a76b2b4e3697}\\Ndi",
     {{"Service", "string:lwfmgr"}, {"FilterClass", "string:ms_firewall_upper"},
      {"FilterType", "dword:2"}, {"FilterRunType", "dword:1"}, {"HelpText", "string:TMS filter"}}},
    {"\\ControlSet002\\Services\\lwfmgr",
     {{"Start", "dword:4"}, {"Type", "dword:1"},
      {"ImagePath", "expandstring:\\SystemRoot\\System32\\drivers\\lwfmgr.sys"}}},
    {"\\Setup\\MoSetup", {{"AllowUpgradesWithUnsupportedTPMOrCPU", "dword:1"}}},
    {"\\Setup\\MoSetup\\Volatile", {{"SetupProgress", "dword:23"}}},
    {"\\Setup\\SetupDiag\\Results", {{"ProfileName", "string:FindRollbackFailure"}}},
    {NULL, {{NULL, NULL}}},
};

/*
 * SOFTWARE: Windows 10 21H2 (19044.1706, Enterprise, Client) and three programs:
 *  - Uninstall\{7A1C0C7E-...}: "TMS Terminal Management Agent" 3.2.1 by "Example Terminal
 *    Software Co., Ltd.", InstallLocation C:\Program Files\TMS\ - the product owning lwfmgr
 *    (tied to it by the word "TMS" in the service's DisplayName).
 *  - Uninstall\7-Zip (64-bit view) and WOW6432Node ...\Uninstall\Notepad++ (32-bit view).
 */
static const fx_key software_keys[] = {
    {"\\Microsoft\\Windows NT\\CurrentVersion",
     {{"ProductName", "string:Windows 10 Enterprise"}, {"EditionID", "string:Enterprise"},
      {"CurrentBuild", "string:19044"}, {"CurrentBuildNumber", "string:19044"},
      {"UBR", "dword:1706"}, {"DisplayVersion", "string:21H2"}, {"ReleaseId", "string:2009"},
      {"InstallationType", "string:Client"}}},
    {"\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\{7A1C0C7E-4B7B-4F2A-9C55-2D1E0F5A0B11}",
     {{"DisplayName", "string:TMS Terminal Management Agent"},
      {"Publisher", "string:Example Terminal Software Co., Ltd."},
      {"DisplayVersion", "string:3.2.1"}, {"InstallLocation", "string:C:\\Program Files\\TMS\\"},
      {"UninstallString", "string:\"C:\\Program Files\\TMS\\uninst.exe\""},
      {"InstallDate", "string:20210315"}}},
    {"\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\7-Zip",
     {{"DisplayName", "string:7-Zip 22.01 (x64)"}, {"Publisher", "string:Igor Pavlov"},
      {"DisplayVersion", "string:22.01"}, {"InstallLocation", "string:C:\\Program Files\\7-Zip\\"}}},
    {"\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\Notepad++",
     {{"DisplayName", "string:Notepad++ (32-bit x86)"}, {"Publisher", "string:Notepad++ Team"},
      {"DisplayVersion", "string:8.4.2"}}},
    {NULL, {{NULL, NULL}}},
};

/* SERVICES: a hive saved from ...\CurrentControlSet\Services (TSS reg_services.hiv). */
static const fx_key services_keys[] = {
    {"\\lwfmgr", {{"Start", "dword:1"}, {"Type", "dword:1"},
                  {"ImagePath", "expandstring:\\SystemRoot\\System32\\drivers\\lwfmgr.sys"}}},
    {"\\vwifimf", {{"Start", "dword:3"}, {"Type", "dword:1"}}},
    {"\\Tcpip", {{"Start", "dword:0"}, {"Type", "dword:1"}}},
    {NULL, {{NULL, NULL}}},
};


/*
 * SEED_SYSTEM: the seed case's SYSTEM hive as an example bundle would hold it (see
 * shared/mission/seed-case-thread): Windows 10 LTSC 2019 with the TMS agent's two NDIS
 * filter drivers, both boot-started, and nothing else of note.
 *  - Select: Current = Default = LastKnownGood = 1, Failed = 0.
 *  - Services\lwfmgr: Start=1, Type=1, ErrorControl=1, ImagePath
 *    \SystemRoot\System32\drivers\lwfmgr.sys, Group NDIS, DisplayName "TMS Lightweight
 *    Filter Manager", Owners oem42.inf.
 *  - Services\vwifimf: Start=1, Type=1, ErrorControl=1, ImagePath
 *    \SystemRoot\System32\drivers\vwifimf.sys, DisplayName "TMS Virtual WiFi Filter",
 *    Owners oem43.inf.
 *  - Services\Tcpip and Services\NDIS: in-box, for contrast.
 *  - Control\Class\{4d36e972..} (Net): Class=Net and NO UpperFilters naming lwfmgr: in this
 *    case the filter is bound through the network stack only, so disabling it cannot stop
 *    boot the way a class filter can (that safety case is FIXTURE_HIVE_SYSTEM's).
 *  - Control\Network\{4D36E974..}\{5cbf81bd-..}: ComponentId ms_lwfmgr; Ndi: Service lwfmgr,
 *    FilterClass ms_firewall_upper, FilterType 2 (modifying), FilterRunType 1 (mandatory).
 */
#define SEED_NETCFG "\\ControlSet001\\Control\\Network\\" NETSERVICE \
                    "\\{5cbf81bd-5055-47cd-9055-a76b2b4e3697}"
static const fx_key seed_system_keys[] = {
    {"\\Select", {{"Current", "dword:1"}, {"Default", "dword:1"}, {"Failed", "dword:0"},
                  {"LastKnownGood", "dword:1"}}},
    {"\\ControlSet001\\Services\\lwfmgr",
     {{"Start", "dword:1"}, {"Type", "dword:1"}, {"ErrorControl", "dword:1"},
      {"ImagePath", "expandstring:\\SystemRoot\\System32\\drivers\\lwfmgr.sys"},
      {"Group", "string:NDIS"}, {"DisplayName", "string:TMS Lightweight Filter Manager"},
      {"Owners", "multi:oem42.inf"}}},
    {"\\ControlSet001\\Services\\vwifimf",
     {{"Start", "dword:1"}, {"Type", "dword:1"}, {"ErrorControl", "dword:1"},
      {"ImagePath", "expandstring:\\SystemRoot\\System32\\drivers\\vwifimf.sys"},
      {"DisplayName", "string:TMS Virtual WiFi Filter"}, {"Owners", "multi:oem43.inf"}}},
    {"\\ControlSet001\\Services\\Tcpip",
     {{"Start", "dword:0"}, {"Type", "dword:1"}, {"ErrorControl", "dword:3"},
      {"ImagePath", "expandstring:System32\\drivers\\tcpip.sys"}, {"Group", "string:PNP_TDI"},
      {"Owners", "multi:tcpip.inf"}}},
    {"\\ControlSet001\\Services\\NDIS",
     {{"Start", "dword:0"}, {"Type", "dword:1"}, {"ErrorControl", "dword:3"},
      {"ImagePath", "expandstring:system32\\drivers\\ndis.sys"}, {"Group", "string:NDIS Wrapper"},
      {"Owners", "multi:ndis.inf"}}},
    {"\\ControlSet001\\Control\\Class\\" NET_CLASS, {{"Class", "string:Net"}}},
    {SEED_NETCFG, {{"ComponentId", "string:ms_lwfmgr"},
                   {"Description", "string:TMS Lightweight Filter Manager"}}},
    {SEED_NETCFG "\\Ndi",
     {{"Service", "string:lwfmgr"}, {"FilterClass", "string:ms_firewall_upper"},
      {"FilterType", "dword:2"}, {"FilterRunType", "dword:1"}}},
    {NULL, {{NULL, NULL}}},
};

/*
 * SEED_SOFTWARE: the seed PC's SOFTWARE hive: Windows 10 Enterprise LTSC 2019 (EditionID
 * EnterpriseS, build 17763.2928) and its programs:
 *  - Uninstall\{3F6C1E2A-..}: "TMS Terminal Management Agent" 3.2.1 by "TMS Technology",
 *    InstallLocation C:\Program Files\TMS\, DisplayIcon C:\Program Files\TMS\TmsAgent.exe.
 *    updx_sys_program_for_driver ties lwfmgr and vwifimf to it by the distinctive word "TMS"
 *    their DisplayNames share with it; their ImagePaths lie under System32\drivers, as an
 *    NDIS filter installed from an INF does, so InstallLocation cannot tie them.
 *  - Uninstall\7-Zip and Microsoft Edge (WOW6432Node): programs owning no driver.
 */
static const fx_key seed_software_keys[] = {
    {"\\Microsoft\\Windows NT\\CurrentVersion",
     {{"ProductName", "string:Windows 10 Enterprise LTSC 2019"}, {"EditionID", "string:EnterpriseS"},
      {"CurrentBuild", "string:17763"}, {"CurrentBuildNumber", "string:17763"},
      {"UBR", "dword:2928"}, {"ReleaseId", "string:1809"}, {"CurrentVersion", "string:6.3"},
      {"CurrentMajorVersionNumber", "dword:10"}, {"CurrentMinorVersionNumber", "dword:0"},
      {"InstallationType", "string:Client"}}},
    {"\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\{3F6C1E2A-8D4B-4C61-A9E2-5B7D0C1F4A22}",
     {{"DisplayName", "string:TMS Terminal Management Agent"}, {"Publisher", "string:TMS Technology"},
      {"DisplayVersion", "string:3.2.1"}, {"InstallLocation", "string:C:\\Program Files\\TMS\\"},
      {"DisplayIcon", "string:C:\\Program Files\\TMS\\TmsAgent.exe,0"},
      {"UninstallString", "string:\"C:\\Program Files\\TMS\\uninst.exe\""},
      {"InstallDate", "string:20220611"}, {"NoModify", "dword:1"}, {"NoRepair", "dword:1"}}},
    {"\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\7-Zip",
     {{"DisplayName", "string:7-Zip 19.00 (x64)"}, {"Publisher", "string:Igor Pavlov"},
      {"DisplayVersion", "string:19.00"}, {"InstallLocation", "string:C:\\Program Files\\7-Zip\\"},
      {"UninstallString", "string:\"C:\\Program Files\\7-Zip\\Uninstall.exe\""}}},
    {"\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\Microsoft Edge",
     {{"DisplayName", "string:Microsoft Edge"}, {"Publisher", "string:Microsoft Corporation"},
      {"DisplayVersion", "string:101.0.1210.53"},
      {"InstallLocation", "string:C:\\Program Files (x86)\\Microsoft\\Edge\\Application"}}},
    {NULL, {{NULL, NULL}}},
};

enum { FX_MAX_MULTI = 16 };   /* strings in one "multi:" value of a table */

/* Sets one table value through the writer; -1 on an unknown syntax or a writer error. */
static int set_fx_value(regf_writer *w, const char *path, const fx_val *v)
{
    const char *val = v->value;
    if (strncmp(val, "dword:", 6) == 0)
        return regf_set_dword(w, path, v->name, (uint32_t)strtoul(val + 6, NULL, 0));
    if (strncmp(val, "qword:", 6) == 0)
        return regf_set_qword(w, path, v->name, (uint64_t)strtoull(val + 6, NULL, 0));
    if (strncmp(val, "string:", 7) == 0)
        return regf_set_sz(w, path, v->name, val + 7);
    if (strncmp(val, "expandstring:", 13) == 0)
        return regf_set_expand_sz(w, path, v->name, val + 13);
    if (strncmp(val, "multi:", 6) == 0) {
        char *copy = strdup(val + 6);
        if (!copy)
            return -1;
        const char *parts[FX_MAX_MULTI];
        size_t n = 0;
        for (char *p = copy, *bar; p && n < FX_MAX_MULTI; p = bar ? bar + 1 : NULL) {
            bar = strchr(p, '|');
            if (bar)
                *bar = '\0';
            parts[n++] = p;
        }
        int rc = regf_set_multi_sz(w, path, v->name, parts, n);
        free(copy);
        return rc;
    }
    return -1;
}

unsigned char *fixture_hive_build(const char *corpus_dir, fixture_hive_kind kind, size_t *len,
                                  const char **why)
{
    (void)corpus_dir;   /* the hives no longer come from a corpus template */
    *why = NULL;
    const fx_key *keys;
    const char *root = "ROOT";
    switch (kind) {
    case FIXTURE_HIVE_SYSTEM: keys = system_keys; break;
    case FIXTURE_HIVE_SOFTWARE: keys = software_keys; break;
    case FIXTURE_HIVE_SERVICES: keys = services_keys; root = "Services"; break;
    case FIXTURE_HIVE_SEED_SYSTEM: keys = seed_system_keys; break;
    case FIXTURE_HIVE_SEED_SOFTWARE: keys = seed_software_keys; break;
    default:
        *why = "unknown fixture hive";
        return NULL;
    }
    regf_writer *w = regf_writer_new(root);
    if (!w) {
        *why = "out of memory";
        return NULL;
    }
    int rc = 0;
    for (const fx_key *k = keys; k->path && rc == 0; k++) {
        rc = regf_add_key(w, k->path);
        for (size_t i = 0; rc == 0 && i < sizeof k->vals / sizeof *k->vals && k->vals[i].name; i++)
            rc = set_fx_value(w, k->path, &k->vals[i]);
    }
    unsigned char *out = rc == 0 ? regf_writer_save(w, len) : NULL;
    if (!out)
        *why = "the regf writer failed on a fixture table";
    regf_writer_free(w);
    return out;
}
