/*
 * fixture_hive.c: builds test hives with hivexsh (see fixture_hive.h).
 *
 * Each fixture is a table of keys and values written in hivexsh's value syntax
 * ("dword:1", "string:...", "expandstring:..."), plus "multi:a|b" which this file turns
 * into a REG_MULTI_SZ ("hex:7:" UTF-16LE bytes). The script adds every key once, in
 * order, then commits into a copy of the template made in a mkdtemp directory.
 */
#include "fixture_hive.h"

#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

typedef struct fx_val {
    const char *name;
    const char *value;
} fx_val;

typedef struct fx_key {
    const char *path;    /* absolute, '\'-separated */
    fx_val vals[10];     /* ended by a NULL name */
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

/* "multi:a|b" -> "hex:7:61,00,...,00,00"; other values are copied. */
static void write_value(FILE *f, const char *value)
{
    if (strncmp(value, "multi:", 6) != 0) {
        fprintf(f, "%s\n", value);
        return;
    }
    fputs("hex:7:", f);
    for (const char *p = value + 6; *p; p++)
        fprintf(f, "%02x,00,", *p == '|' ? 0 : (unsigned char)*p);
    fputs("00,00,00,00\n", f);
}

static int path_seen(const char *const *seen, size_t n, const char *p, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(seen[i]) == len && strncmp(seen[i], p, len) == 0)
            return 1;
    return 0;
}

static int write_script(const char *path, const fx_key *keys)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    const char *seen[256];
    size_t nseen = 0;
    for (const fx_key *k = keys; k->path; k++) {
        /* add each missing ancestor, one level at a time from the root */
        fputs("cd \\\n", f);
        const char *p = k->path + 1;
        for (;;) {
            const char *e = strchr(p, '\\');
            size_t end = e ? (size_t)(e - k->path) : strlen(k->path);
            size_t comp = e ? (size_t)(e - p) : strlen(p);
            if (!path_seen(seen, nseen, k->path, end) && nseen < 256) {
                fprintf(f, "add %.*s\n", (int)comp, p);
                seen[nseen++] = strndup(k->path, end);
            }
            fprintf(f, "cd %.*s\n", (int)comp, p);
            if (!e)
                break;
            p = e + 1;
        }
        size_t nv = 0;
        while (nv < 10 && k->vals[nv].name)
            nv++;
        fprintf(f, "setval %zu\n", nv);
        for (size_t i = 0; i < nv; i++) {
            fprintf(f, "%s\n", k->vals[i].name);
            write_value(f, k->vals[i].value);
        }
    }
    fputs("commit\n", f);
    for (size_t i = 0; i < nseen; i++)
        free((void *)seen[i]);
    return fclose(f) == 0 ? 0 : -1;
}

static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    if (!in)
        return -1;
    FILE *out = fopen(to, "wb");
    if (!out) {
        fclose(in);
        return -1;
    }
    char buf[8192];
    size_t n;
    int rc = 0;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            rc = -1;
    fclose(in);
    if (fclose(out) != 0)
        rc = -1;
    return rc;
}

static int run_hivexsh(const char *script, const char *hive)
{
    static const char *const dirs[] = {"/usr/bin/hivexsh", "/usr/local/bin/hivexsh"};
    const char *exe = NULL;
    for (size_t i = 0; i < 2; i++)
        if (access(dirs[i], X_OK) == 0)
            exe = dirs[i];
    if (!exe)
        return -2;
    char *argv[] = {(char *)"hivexsh", (char *)"-w", (char *)"-f", (char *)script, (char *)hive, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 1, 0);  /* O_WRONLY */
    pid_t pid;
    int rc = posix_spawn(&pid, exe, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return -1;
    int status;
    if (waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

unsigned char *fixture_hive_build(const char *corpus_dir, fixture_hive_kind kind, size_t *len,
                                  const char **why)
{
    *why = NULL;
    if (!corpus_dir) {
        *why = "corpus absent (no hive template)";
        return NULL;
    }
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/hives/hivex-minimal", corpus_dir);
    if (access(tmpl, R_OK) != 0) {
        *why = "hives/hivex-minimal template absent";
        return NULL;
    }
    char dir[] = "/tmp/updx-fixture-hive-XXXXXX";
    if (!mkdtemp(dir)) {
        *why = "cannot make a temp directory";
        return NULL;
    }
    char hive[sizeof dir + 16], script[sizeof dir + 16];
    snprintf(hive, sizeof hive, "%s/hive", dir);
    snprintf(script, sizeof script, "%s/script", dir);
    const fx_key *keys = kind == FIXTURE_HIVE_SYSTEM     ? system_keys
                         : kind == FIXTURE_HIVE_SOFTWARE ? software_keys
                                                         : services_keys;
    unsigned char *out = NULL;
    int r;
    if (copy_file(tmpl, hive) != 0 || chmod(hive, 0600) != 0 || write_script(script, keys) != 0) {
        *why = "cannot write fixture files";
    } else if ((r = run_hivexsh(script, hive)) != 0) {
        *why = r == -2 ? "hivexsh absent (libhivex-bin)" : "hivexsh failed on the fixture script";
    } else {
        FILE *f = fopen(hive, "rb");
        if (f) {
            fseek(f, 0, SEEK_END);
            long sz = ftell(f);
            fseek(f, 0, SEEK_SET);
            out = sz > 0 ? malloc((size_t)sz) : NULL;
            if (out && fread(out, 1, (size_t)sz, f) == (size_t)sz) {
                *len = (size_t)sz;
            } else {
                free(out);
                out = NULL;
                *why = "cannot read the built hive";
            }
            fclose(f);
        }
    }
    unlink(hive);
    unlink(script);
    rmdir(dir);
    return out;
}
