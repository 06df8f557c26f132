/*
 * main.c: updx-collect.exe, the Windows collector (x64 console, cross-built with mingw-w64,
 * statically linked). Gathers what `updx analyze` reads (docs/collector.md) into one zip
 * named after the computer and the time, with manifest.json; then re-reads the zip, checks
 * every member's SHA-256 against the manifest and prints the zip's own SHA-256.
 *
 * The collection plan, exclusions, manifest and redaction are the library's (lib/collect);
 * this file is the Win32 side: file access with backup semantics, the registry, hive
 * saving, event-log export and the external commands. What Wine cannot do (hive saving,
 * EvtExportLog) sits behind save_hive() and export_event_log(), whose fallbacks the Wine
 * test exercises.
 */
#include <windows.h>
#include <shlobj.h>
#include <tlhelp32.h>
#include <winevt.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collect/collect.h"
#include "zipw.h"

/* Longest path the collector builds (the \\?\ form allows 32767 UTF-16 units). */
#define PATH_UNITS 32768
/* A command gets this long before it is stopped (gpresult can hang on a domain timeout). */
#define COMMAND_TIMEOUT_MS 120000
/* Command output kept at most. */
#define COMMAND_MAX_OUTPUT (64u << 20)

typedef struct win_fs {
    char root[1024]; /* "C:\" */
} win_fs;

static void to_wide(const char *s, wchar_t *w, size_t units)
{
    if (!MultiByteToWideChar(CP_UTF8, 0, s, -1, w, (int)units))
        w[0] = 0;
}

static void to_utf8(const wchar_t *w, char *s, size_t len)
{
    if (!WideCharToMultiByte(CP_UTF8, 0, w, -1, s, (int)len, NULL, NULL))
        s[0] = 0;
}

static void win_error(DWORD code, char *err, size_t errlen)
{
    wchar_t msg[512];
    DWORD n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL,
                             code, MAKELANGID(LANG_ENGLISH, SUBLANG_DEFAULT), msg, 512, NULL);
    while (n && (msg[n - 1] == L'\r' || msg[n - 1] == L'\n' || msg[n - 1] == L'.'))
        msg[--n] = 0;
    char text[512] = "";
    if (n)
        to_utf8(msg, text, sizeof text);
    snprintf(err, errlen, "error %lu%s%s", (unsigned long)code, text[0] ? ": " : "", text);
}

/* root + relative path ('/' -> '\') as a \\?\ path */
static void full_path(const win_fs *fs, const char *path, bool absolute, wchar_t *w)
{
    char buf[PATH_UNITS];
    const char *base = absolute ? "" : fs->root;
    snprintf(buf, sizeof buf, "%s%s%s", strncmp(base, "\\\\", 2) == 0 || !base[0] ? "" : "\\\\?\\",
             base, path);
    if (absolute && strncmp(path, "\\\\", 2) != 0)
        snprintf(buf, sizeof buf, "\\\\?\\%s", path);
    for (char *p = buf; *p; p++)
        if (*p == '/')
            *p = '\\';
    to_wide(buf, w, PATH_UNITS);
}

static int64_t filetime_unix(FILETIME ft)
{
    uint64_t t = (uint64_t)ft.dwHighDateTime << 32 | ft.dwLowDateTime;
    if (t < 116444736000000000ull)
        return -1;
    return (int64_t)((t - 116444736000000000ull) / 10000000ull);
}

static int fs_list(void *ud, const char *dir, updx_collect_dirent_fn fn, void *fn_ud, char *err,
                   size_t errlen)
{
    win_fs *fs = ud;
    static const wchar_t star[] = L"\\*";
    wchar_t *w = malloc(PATH_UNITS * sizeof(wchar_t));
    if (!w)
        return -1;
    full_path(fs, dir, false, w);
    size_t n = wcslen(w);
    if (n + 3 >= PATH_UNITS) {
        free(w);
        return -1;
    }
    memcpy(w + n, star, sizeof star);
    WIN32_FIND_DATAW fd;
    HANDLE h = FindFirstFileExW(w, FindExInfoBasic, &fd, FindExSearchNameMatch, NULL, 0);
    free(w);
    if (h == INVALID_HANDLE_VALUE) {
        win_error(GetLastError(), err, errlen);
        return -1;
    }
    do {
        char name[1024];
        to_utf8(fd.cFileName, name, sizeof name);
        /* reparse points (junctions) are not followed: loops and other volumes */
        bool is_dir = (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) &&
                      !(fd.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT);
        if ((fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) && !is_dir)
            continue;
        updx_collect_dirent e = {name, is_dir,
                                 (uint64_t)fd.nFileSizeHigh << 32 | fd.nFileSizeLow,
                                 filetime_unix(fd.ftLastWriteTime)};
        if (fn(fn_ud, &e) != 0)
            break;
    } while (FindNextFileW(h, &fd));
    FindClose(h);
    return 0;
}

static void *fs_open(void *ud, const char *path, bool absolute, uint64_t *size, int64_t *mtime,
                     char *err, size_t errlen)
{
    win_fs *fs = ud;
    wchar_t *w = malloc(PATH_UNITS * sizeof(wchar_t));
    if (!w)
        return NULL;
    full_path(fs, path, absolute, w);
    /* backup semantics: with SeBackupPrivilege, files the ACL denies can still be read */
    HANDLE h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                           NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_SEQUENTIAL_SCAN,
                           NULL);
    free(w);
    if (h == INVALID_HANDLE_VALUE) {
        win_error(GetLastError(), err, errlen);
        return NULL;
    }
    BY_HANDLE_FILE_INFORMATION info;
    if (GetFileInformationByHandle(h, &info)) {
        *size = (uint64_t)info.nFileSizeHigh << 32 | info.nFileSizeLow;
        *mtime = filetime_unix(info.ftLastWriteTime);
    }
    return h;
}

static long fs_read(void *fh, void *buf, size_t len, char *err, size_t errlen)
{
    DWORD got = 0;
    if (len > (1u << 30))
        len = 1u << 30;
    if (!ReadFile((HANDLE)fh, buf, (DWORD)len, &got, NULL)) {
        win_error(GetLastError(), err, errlen);
        return -1;
    }
    return (long)got;
}

static void fs_close(void *fh)
{
    CloseHandle((HANDLE)fh);
}

static void fs_display(void *ud, const char *path, char *buf, size_t buflen)
{
    win_fs *fs = ud;
    snprintf(buf, buflen, "%s%s", fs->root, path);
    for (char *p = buf; *p; p++)
        if (*p == '/')
            *p = '\\';
}

/* ---- the zip sink ---- */

static int sink_begin(void *ud, const char *member, int64_t mtime, uint64_t size_hint)
{
    return zipw_begin(ud, member, mtime, size_hint);
}

static int sink_write(void *ud, const void *data, size_t len)
{
    return zipw_write(ud, data, len);
}

static int sink_end(void *ud)
{
    return zipw_end(ud);
}

/* ---- machine facts ---- */

static bool reg_string(HKEY root, const wchar_t *key, const wchar_t *name, char *out, size_t len)
{
    wchar_t buf[1024];
    DWORD size = sizeof buf;
    DWORD type = 0;
    if (RegGetValueW(root, key, name, RRF_RT_REG_SZ | RRF_RT_REG_EXPAND_SZ | RRF_NOEXPAND, &type,
                     buf, &size) != ERROR_SUCCESS)
        return false;
    to_utf8(buf, out, len);
    return true;
}

static bool reg_dword(HKEY root, const wchar_t *key, const wchar_t *name, DWORD *out)
{
    DWORD size = sizeof *out;
    return RegGetValueW(root, key, name, RRF_RT_REG_DWORD, NULL, out, &size) == ERROR_SUCCESS;
}

typedef LONG(WINAPI *rtl_get_version_fn)(OSVERSIONINFOEXW *);

static bool is_elevated(void)
{
    HANDLE token;
    TOKEN_ELEVATION el = {0};
    DWORD len = 0;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token))
        return false;
    bool ok = GetTokenInformation(token, TokenElevation, &el, sizeof el, &len) && el.TokenIsElevated;
    CloseHandle(token);
    return ok;
}

static bool enable_privilege(const wchar_t *name)
{
    HANDLE token;
    TOKEN_PRIVILEGES tp = {.PrivilegeCount = 1};
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY, &token))
        return false;
    bool ok = LookupPrivilegeValueW(NULL, name, &tp.Privileges[0].Luid);
    tp.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
    ok = ok && AdjustTokenPrivileges(token, FALSE, &tp, 0, NULL, NULL) &&
         GetLastError() == ERROR_SUCCESS;
    CloseHandle(token);
    return ok;
}

static void machine_facts(updx_collector *col, bool live, const char *root)
{
    char buf[1024];
    wchar_t w[256];
    DWORD n = 256;
    updx_collector_machine(col, "CollectedFrom", live ? "running Windows" : "offline volume");
    if (!live) {
        updx_collector_machine(col, "Root", root);
        return;
    }
    if (GetComputerNameExW(ComputerNameNetBIOS, w, &n)) {
        to_utf8(w, buf, sizeof buf);
        updx_collector_machine(col, "ComputerName", buf);
    }
    n = 256;
    if (GetComputerNameExW(ComputerNameDnsDomain, w, &n) && n) {
        to_utf8(w, buf, sizeof buf);
        updx_collector_machine(col, "Domain", buf);
    }
    n = 256;
    if (GetUserNameW(w, &n)) {
        to_utf8(w, buf, sizeof buf);
        updx_collector_machine(col, "UserName", buf);
    }
    rtl_get_version_fn rtl = (rtl_get_version_fn)(void (*)(void))GetProcAddress(
        GetModuleHandleW(L"ntdll.dll"), "RtlGetVersion");
    OSVERSIONINFOEXW v = {.dwOSVersionInfoSize = sizeof v};
    if (rtl && rtl(&v) == 0) {
        snprintf(buf, sizeof buf, "%lu.%lu.%lu", (unsigned long)v.dwMajorVersion,
                 (unsigned long)v.dwMinorVersion, (unsigned long)v.dwBuildNumber);
        updx_collector_machine(col, "OSVersion", buf);
        snprintf(buf, sizeof buf, "%u", (unsigned)v.wProductType);
        updx_collector_machine(col, "ProductType", buf);
    }
    static const wchar_t cv[] = L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion";
    static const struct {
        const wchar_t *value;
        const char *key;
    } strings[] = {{L"ProductName", "ProductName"}, {L"EditionID", "EditionID"},
                   {L"DisplayVersion", "DisplayVersion"}, {L"ReleaseId", "ReleaseId"},
                   {L"CurrentBuild", "CurrentBuild"}, {L"BuildLabEx", "BuildLabEx"},
                   {L"InstallationType", "InstallationType"}};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        if (reg_string(HKEY_LOCAL_MACHINE, cv, strings[i].value, buf, sizeof buf))
            updx_collector_machine(col, strings[i].key, buf);
    DWORD ubr;
    char build[64];
    if (reg_string(HKEY_LOCAL_MACHINE, cv, L"CurrentBuild", build, sizeof build)) {
        /* UBR is absent on old builds and under Wine */
        if (reg_dword(HKEY_LOCAL_MACHINE, cv, L"UBR", &ubr))
            snprintf(buf, sizeof buf, "%s.%lu", build, (unsigned long)ubr);
        else
            snprintf(buf, sizeof buf, "%s", build);
        updx_collector_machine(col, "OSBuild", buf);
    }
    SYSTEM_INFO si;
    GetNativeSystemInfo(&si);
    updx_collector_machine(col, "Architecture",
                           si.wProcessorArchitecture == PROCESSOR_ARCHITECTURE_AMD64   ? "x64"
                           : si.wProcessorArchitecture == PROCESSOR_ARCHITECTURE_ARM64 ? "arm64"
                           : si.wProcessorArchitecture == PROCESSOR_ARCHITECTURE_INTEL ? "x86"
                                                                                       : "other");
    updx_collector_machine(col, "Elevated", is_elevated() ? "true" : "false");
    HKEY k;
    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\Wine", 0, KEY_READ, &k) == ERROR_SUCCESS) {
        RegCloseKey(k);
        updx_collector_machine(col, "Wine", "true");
    }
}

/* ---- things Wine cannot do: isolated, each with a fallback ---- */

/* Saves HKLM\<name> as a regf hive into `file`. Returns 0, or -1 with err filled. Wine's
 * RegSaveKeyEx succeeds but writes its own text format, which is caught here. */
static int save_hive(const wchar_t *name, const wchar_t *file, char *err, size_t errlen)
{
    HKEY key;
    LONG rc = RegOpenKeyExW(HKEY_LOCAL_MACHINE, name, REG_OPTION_BACKUP_RESTORE, KEY_READ, &key);
    if (rc != ERROR_SUCCESS)
        rc = RegOpenKeyExW(HKEY_LOCAL_MACHINE, name, 0, KEY_READ, &key);
    if (rc != ERROR_SUCCESS) {
        win_error((DWORD)rc, err, errlen);
        return -1;
    }
    DeleteFileW(file);
    rc = RegSaveKeyExW(key, file, NULL, REG_LATEST_FORMAT);
    RegCloseKey(key);
    if (rc != ERROR_SUCCESS) {
        win_error((DWORD)rc, err, errlen);
        if (rc == ERROR_PRIVILEGE_NOT_HELD)
            snprintf(err + strlen(err), errlen - strlen(err), " (run as administrator)");
        return -1;
    }
    char magic[4] = {0};
    FILE *f = _wfopen(file, L"rb");
    size_t got = f ? fread(magic, 1, 4, f) : 0;
    if (f)
        fclose(f);
    if (got != 4 || memcmp(magic, "regf", 4) != 0) {
        snprintf(err, errlen, "RegSaveKeyEx wrote no regf hive (Wine writes its own text format)");
        DeleteFileW(file);
        return -1;
    }
    return 0;
}

/* Exports an event log channel into `file` (.evtx). Wine: ERROR_CALL_NOT_IMPLEMENTED. */
static int export_event_log(const wchar_t *channel, const wchar_t *file, char *err, size_t errlen)
{
    DeleteFileW(file);
    if (!EvtExportLog(NULL, channel, L"*", file, EvtExportLogChannelPath)) {
        win_error(GetLastError(), err, errlen);
        return -1;
    }
    return 0;
}

/* Runs a command line, capturing stdout and stderr; returns the exit code, or -1 when it
 * could not start (err says why). *out is malloc'ed. */
static long run_command(const wchar_t *cmdline, const wchar_t *tmpfile, char **out, size_t *out_len,
                        char *err, size_t errlen)
{
    *out = NULL;
    *out_len = 0;
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    HANDLE fh = CreateFileW(tmpfile, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                            &sa, CREATE_ALWAYS, FILE_ATTRIBUTE_TEMPORARY, NULL);
    if (fh == INVALID_HANDLE_VALUE) {
        win_error(GetLastError(), err, errlen);
        return -1;
    }
    STARTUPINFOW si = {.cb = sizeof si, .dwFlags = STARTF_USESTDHANDLES,
                       .hStdInput = GetStdHandle(STD_INPUT_HANDLE), .hStdOutput = fh, .hStdError = fh};
    PROCESS_INFORMATION pi;
    wchar_t cl[1024];
    wcsncpy(cl, cmdline, 1023);
    cl[1023] = 0;
    if (!CreateProcessW(NULL, cl, NULL, NULL, TRUE, CREATE_NO_WINDOW, NULL, NULL, &si, &pi)) {
        DWORD e = GetLastError();
        CloseHandle(fh);
        DeleteFileW(tmpfile);
        if (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND)
            snprintf(err, errlen, "command not found on this system");
        else
            win_error(e, err, errlen);
        return -1;
    }
    DWORD code = 0;
    if (WaitForSingleObject(pi.hProcess, COMMAND_TIMEOUT_MS) == WAIT_TIMEOUT) {
        TerminateProcess(pi.hProcess, 1460);
        WaitForSingleObject(pi.hProcess, 5000);
        snprintf(err, errlen, "stopped after %u s", COMMAND_TIMEOUT_MS / 1000);
        code = 1460;
    } else {
        GetExitCodeProcess(pi.hProcess, &code);
    }
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);
    LARGE_INTEGER size;
    if (GetFileSizeEx(fh, &size) && size.QuadPart > 0) {
        size_t n = size.QuadPart > COMMAND_MAX_OUTPUT ? COMMAND_MAX_OUTPUT : (size_t)size.QuadPart;
        char *buf = malloc(n);
        DWORD got = 0;
        SetFilePointer(fh, 0, NULL, FILE_BEGIN);
        if (buf && ReadFile(fh, buf, (DWORD)n, &got, NULL)) {
            *out = buf;
            *out_len = got;
        } else {
            free(buf);
        }
    }
    CloseHandle(fh);
    DeleteFileW(tmpfile);
    return (long)code;
}

typedef struct command {
    const wchar_t *cmdline;
    const char *member;
    unsigned category;
} command;

static const command commands[] = {
    {L"systeminfo.exe", "commands/systeminfo.txt", UPDX_CAT_SYSTEM},
    {L"driverquery.exe /v /fo csv", "commands/driverquery.csv", UPDX_CAT_SYSTEM},
    {L"sc.exe queryex type= all state= all", "commands/sc-queryex.txt", UPDX_CAT_SYSTEM},
    {L"fltmc.exe filters", "commands/fltmc-filters.txt", UPDX_CAT_SYSTEM},
    {L"tasklist.exe /svc", "commands/tasklist.txt", UPDX_CAT_SYSTEM},
    {L"reg.exe query HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall /s",
     "commands/uninstall.txt", UPDX_CAT_SYSTEM},
    {L"reg.exe query HKLM\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall /s",
     "commands/uninstall-wow64.txt", UPDX_CAT_SYSTEM},
    {L"ipconfig.exe /all", "commands/ipconfig.txt", UPDX_CAT_NETWORK},
    {L"route.exe print", "commands/route.txt", UPDX_CAT_NETWORK},
    {L"netsh.exe winhttp show proxy", "commands/winhttp-proxy.txt", UPDX_CAT_NETWORK},
    {L"gpresult.exe /scope computer /z", "commands/gpresult.txt", UPDX_CAT_POLICY},
};

static void collect_commands(updx_collector *col, unsigned cats, const wchar_t *tmpdir)
{
    wchar_t tmp[MAX_PATH + 64];
    _snwprintf(tmp, MAX_PATH + 64, L"%lsupdx-cmd.txt", tmpdir);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (!(cats & commands[i].category))
            continue;
        char shown[1024], err[512] = "";
        to_utf8(commands[i].cmdline, shown, sizeof shown);
        printf("  running %s\n", shown);
        fflush(stdout);
        char *out;
        size_t len;
        long code = run_command(commands[i].cmdline, tmp, &out, &len, err, sizeof err);
        if (code < 0) {
            updx_collector_error(col, shown, "%s", err);
            continue;
        }
        if (len == 0)
            updx_collector_error(col, shown, "no output (exit code %ld)%s%s", code,
                                 err[0] ? ", " : "", err);
        else if (code != 0)
            updx_collector_error(col, shown, "exit code %ld%s%s; output kept", code,
                                 err[0] ? ", " : "", err);
        if (len)
            updx_collector_add_buffer(col, commands[i].member, shown, out, len, commands[i].category);
        free(out);
    }
}

/* Tab-separated text the collector writes itself from APIs that work everywhere. */
typedef struct text_out {
    char *data;
    size_t len, cap;
} text_out;

static void tprintf(text_out *t, const char *fmt, ...)
{
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t m = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    if (t->len + m + 1 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 65536;
        while (cap < t->len + m + 1)
            cap *= 2;
        char *d = realloc(t->data, cap);
        if (!d)
            return;
        t->data = d;
        t->cap = cap;
    }
    memcpy(t->data + t->len, line, m);
    t->len += m;
}

/* Services and drivers straight from the registry (works under Wine, unlike sc/driverquery). */
static void collect_services(updx_collector *col)
{
    HKEY svc;
    static const wchar_t path[] = L"SYSTEM\\CurrentControlSet\\Services";
    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, path, 0, KEY_READ, &svc) != ERROR_SUCCESS) {
        updx_collector_error(col, "HKLM\\SYSTEM\\CurrentControlSet\\Services", "cannot open the key");
        return;
    }
    text_out t = {0};
    tprintf(&t, "name\ttype\tstart\tgroup\timage_path\tdisplay_name\n");
    wchar_t name[256];
    for (DWORD i = 0;; i++) {
        DWORD n = 256;
        if (RegEnumKeyExW(svc, i, name, &n, NULL, NULL, NULL, NULL) != ERROR_SUCCESS)
            break;
        wchar_t sub[512];
        _snwprintf(sub, 512, L"%ls\\%ls", path, name);
        DWORD type = 0xffffffff, start = 0xffffffff;
        char group[512] = "", image[1024] = "", display[512] = "", uname[512];
        reg_dword(HKEY_LOCAL_MACHINE, sub, L"Type", &type);
        reg_dword(HKEY_LOCAL_MACHINE, sub, L"Start", &start);
        reg_string(HKEY_LOCAL_MACHINE, sub, L"Group", group, sizeof group);
        reg_string(HKEY_LOCAL_MACHINE, sub, L"ImagePath", image, sizeof image);
        reg_string(HKEY_LOCAL_MACHINE, sub, L"DisplayName", display, sizeof display);
        to_utf8(name, uname, sizeof uname);
        tprintf(&t, "%s\t%ld\t%ld\t%s\t%s\t%s\n", uname, (long)(int32_t)type, (long)(int32_t)start,
                group, image, display);
    }
    RegCloseKey(svc);
    updx_collector_add_buffer(col, "system/services.tsv", "HKLM\\SYSTEM\\CurrentControlSet\\Services",
                              t.data ? t.data : "", t.len, UPDX_CAT_SYSTEM);
    free(t.data);
}

static void collect_processes(updx_collector *col)
{
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    if (snap == INVALID_HANDLE_VALUE) {
        updx_collector_error(col, "processes", "CreateToolhelp32Snapshot failed");
        return;
    }
    text_out t = {0};
    tprintf(&t, "pid\tparent_pid\tthreads\timage\n");
    PROCESSENTRY32W pe = {.dwSize = sizeof pe};
    for (BOOL ok = Process32FirstW(snap, &pe); ok; ok = Process32NextW(snap, &pe)) {
        char image[520];
        to_utf8(pe.szExeFile, image, sizeof image);
        tprintf(&t, "%lu\t%lu\t%lu\t%s\n", (unsigned long)pe.th32ProcessID,
                (unsigned long)pe.th32ParentProcessID, (unsigned long)pe.cntThreads, image);
    }
    CloseHandle(snap);
    updx_collector_add_buffer(col, "system/processes.tsv", "running processes", t.data ? t.data : "",
                              t.len, UPDX_CAT_SYSTEM);
    free(t.data);
}

static void collect_registry(updx_collector *col, const wchar_t *tmpdir, bool admin)
{
    static const struct {
        const wchar_t *key;
        const char *name;
    } hives[] = {{L"SYSTEM", "SYSTEM"}, {L"SOFTWARE", "SOFTWARE"}};
    if (!enable_privilege(L"SeBackupPrivilege"))
        updx_collector_error(col, "SeBackupPrivilege",
                             "could not enable the backup privilege%s",
                             admin ? "" : " (not running as administrator)");
    for (size_t i = 0; i < 2; i++) {
        wchar_t file[MAX_PATH + 64];
        char err[512], member[64], original[64], path[MAX_PATH * 4];
        _snwprintf(file, MAX_PATH + 64, L"%lsupdx-%ls.hiv", tmpdir, hives[i].key);
        snprintf(original, sizeof original, "HKLM\\%s", hives[i].name);
        snprintf(member, sizeof member, "registry/%s.hiv", hives[i].name);
        printf("  saving %s\n", original);
        if (save_hive(hives[i].key, file, err, sizeof err) != 0) {
            updx_collector_error(col, original, "hive not saved: %s", err);
            continue;
        }
        to_utf8(file, path, sizeof path);
        updx_collector_add_file(col, path, true, member, original, UPDX_CAT_REGISTRY);
        DeleteFileW(file);
    }
    /* the fallback the analyser can read when no hive could be saved: reg export */
    wchar_t file[MAX_PATH + 64], cl[MAX_PATH + 200];
    _snwprintf(file, MAX_PATH + 64, L"%lsupdx-services.reg", tmpdir);
    _snwprintf(cl, MAX_PATH + 200,
               L"reg.exe export HKLM\\SYSTEM\\CurrentControlSet\\Services \"%ls\" /y", file);
    wchar_t tmp[MAX_PATH + 64];
    _snwprintf(tmp, MAX_PATH + 64, L"%lsupdx-reg-out.txt", tmpdir);
    char *out, err[512] = "", path[MAX_PATH * 4];
    size_t len;
    printf("  exporting HKLM\\SYSTEM\\CurrentControlSet\\Services\n");
    long code = run_command(cl, tmp, &out, &len, err, sizeof err);
    free(out);
    to_utf8(file, path, sizeof path);
    if (code != 0)
        updx_collector_error(col, "HKLM\\SYSTEM\\CurrentControlSet\\Services",
                             "reg export failed: %s", code < 0 ? err : "non-zero exit code");
    else
        updx_collector_add_file(col, path, true, "registry/Services.reg",
                                "HKLM\\SYSTEM\\CurrentControlSet\\Services", UPDX_CAT_REGISTRY);
    DeleteFileW(file);
}

static void collect_events(updx_collector *col, const wchar_t *tmpdir)
{
    static const wchar_t *const channels[] = {L"System", L"Application", L"Setup"};
    wchar_t windir[MAX_PATH];
    if (!GetSystemWindowsDirectoryW(windir, MAX_PATH))
        wcscpy(windir, L"C:\\Windows");
    for (size_t i = 0; i < 3; i++) {
        wchar_t file[MAX_PATH + 64];
        char err[512], member[64], original[MAX_PATH * 4], path[MAX_PATH * 4], ch[32];
        to_utf8(channels[i], ch, sizeof ch);
        _snwprintf(file, MAX_PATH + 64, L"%lsupdx-%ls.evtx", tmpdir, channels[i]);
        snprintf(member, sizeof member, "eventlogs/%s.evtx", ch);
        printf("  exporting event log %s\n", ch);
        if (export_event_log(channels[i], file, err, sizeof err) == 0) {
            to_utf8(file, path, sizeof path);
            updx_collector_add_file(col, path, true, member, ch, UPDX_CAT_EVENTS);
            DeleteFileW(file);
            continue;
        }
        /* fallback: copy the live .evtx with backup semantics (flagged dirty; readers cope) */
        wchar_t live[MAX_PATH + 64];
        _snwprintf(live, MAX_PATH + 64, L"%ls\\System32\\winevt\\Logs\\%ls.evtx", windir, channels[i]);
        to_utf8(live, original, sizeof original);
        updx_collector_error(col, ch, "EvtExportLog failed (%s); copying %s instead", err, original);
        updx_collector_add_file(col, original, true, member, original, UPDX_CAT_EVENTS);
    }
}

/* ---- verification ---- */

typedef struct verify_ctx {
    const updx_collector *col;
    size_t matched, bad;
} verify_ctx;

static int verify_member(void *ud, const char *name, uint64_t size, const char sha256[65], bool crc_ok)
{
    verify_ctx *v = ud;
    if (!crc_ok) {
        fprintf(stderr, "updx-collect: %s: CRC-32 or length wrong in the written zip\n", name);
        v->bad++;
        return 0;
    }
    const char *member, *sha;
    uint64_t msize;
    for (size_t i = 0; updx_collector_file_at(v->col, i, &member, &sha, &msize); i++)
        if (strcmp(member, name) == 0) {
            if (strcmp(sha, sha256) != 0 || msize != size) {
                fprintf(stderr, "updx-collect: %s: SHA-256 differs from the manifest\n", name);
                v->bad++;
            } else {
                v->matched++;
            }
            return 0;
        }
    return 0;
}

static void progress(void *ud, const char *what, uint64_t files, uint64_t bytes)
{
    (void)ud;
    printf("  [%4llu files, %8.1f MB] %s\n", (unsigned long long)files, (double)bytes / 1e6, what);
    fflush(stdout);
}

static const char usage[] =
    "usage: updx-collect [options]\n"
    "\n"
    "Collects the logs, dumps, registry and event logs that explain a failed Windows feature\n"
    "upgrade into one zip (updx-COMPUTER-YYYYMMDD-HHMMSS.zip) with a manifest of SHA-256\n"
    "hashes, checks the zip and prints its SHA-256. Run it as administrator.\n"
    "\n"
    "  --out DIR             write the zip into DIR (default: the current folder)\n"
    "  --categories LIST     upgrade,dumps,servicing,registry,events,system,network,policy,\n"
    "                        memory, or all (default: everything but memory)\n"
    "  --memory-dump         also take MEMORY.DMP (RAM-sized, holds secrets; capped)\n"
    "  --max-file-size MB    skip larger files (default 2048)\n"
    "  --max-total-size MB   stop adding files beyond this (default 16384)\n"
    "  --max-memory-dump MB  cap for MEMORY.DMP (default 8192)\n"
    "  --root X:\\           collect files from an offline Windows volume (no registry,\n"
    "                        event-log export or commands of this machine)\n"
    "  --redact              replace user, computer and domain names, IP and MAC\n"
    "                        addresses and user SIDs in text files and the manifest\n"
    "  --version             print the version\n";

static bool parse_mb(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || v == 0 || v > (1ull << 24))
        return false;
    *out = (uint64_t)v << 20;
    return true;
}

int wmain(int argc, wchar_t **wargv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char **argv = calloc((size_t)argc + 1, sizeof(char *));
    for (int i = 0; argv && i < argc; i++) {
        argv[i] = malloc(4096);
        if (argv[i])
            to_utf8(wargv[i], argv[i], 4096);
    }
    if (!argv)
        return 1;
    updx_collect_opts opts;
    updx_collect_default_opts(&opts);
    const char *outdir = ".", *root = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *bad = NULL;
        bool has_value = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 || strcmp(a, "/?") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            puts(UPDX_COLLECTOR_NAME " " UPDX_COLLECTOR_VERSION);
            return 0;
        } else if (strcmp(a, "--out") == 0 && has_value) {
            outdir = argv[++i];
        } else if (strcmp(a, "--root") == 0 && has_value) {
            root = argv[++i];
        } else if (strcmp(a, "--categories") == 0 && has_value) {
            if (!updx_collect_parse_categories(argv[++i], &opts.categories, &bad)) {
                fprintf(stderr, "updx-collect: unknown category in '%s'\n", bad ? bad : argv[i]);
                return 2;
            }
        } else if (strcmp(a, "--memory-dump") == 0) {
            opts.categories |= UPDX_CAT_MEMORY;
        } else if (strcmp(a, "--redact") == 0) {
            opts.redact = true;
        } else if ((strcmp(a, "--max-file-size") == 0 && has_value &&
                    parse_mb(argv[i + 1], &opts.max_file_bytes)) ||
                   (strcmp(a, "--max-total-size") == 0 && has_value &&
                    parse_mb(argv[i + 1], &opts.max_total_bytes)) ||
                   (strcmp(a, "--max-memory-dump") == 0 && has_value &&
                    parse_mb(argv[i + 1], &opts.max_memory_dump))) {
            i++;
        } else {
            fprintf(stderr, "updx-collect: bad option '%s' (--help lists them)\n", a);
            return 2;
        }
    }
    bool live = root == NULL;
    opts.live = live;
    opts.progress = progress;
    win_fs fs = {""};
    if (live) {
        wchar_t windir[MAX_PATH];
        char w8[MAX_PATH * 4];
        if (!GetSystemWindowsDirectoryW(windir, MAX_PATH))
            wcscpy(windir, L"C:\\Windows");
        to_utf8(windir, w8, sizeof w8);
        snprintf(fs.root, sizeof fs.root, "%.2s\\", w8);
    } else {
        size_t n = strlen(root);
        snprintf(fs.root, sizeof fs.root, "%s%s", root, n && (root[n - 1] == '\\' || root[n - 1] == '/') ? "" : "\\");
    }
    bool admin = live && is_elevated();
    printf("updx-collect %s: collecting from %s%s\n", UPDX_COLLECTOR_VERSION, fs.root,
           live ? " (this Windows)" : " (offline volume)");
    if (live && !admin)
        printf("  not running as administrator: registry hives, some logs and event logs will be\n"
               "  missing (listed in the manifest). Right-click, 'Run as administrator' to get them.\n");

    updx_collect_fs cfs = {&fs, fs_list, fs_open, fs_read, fs_close, fs_display};
    /* the computer name and time name the zip */
    char computer[256] = "offline";
    if (live) {
        wchar_t w[256];
        DWORD n = 256;
        if (GetComputerNameExW(ComputerNameNetBIOS, w, &n))
            to_utf8(w, computer, sizeof computer);
    }
    if (opts.redact)
        snprintf(computer, sizeof computer, "redacted");
    for (char *p = computer; *p; p++)
        if (strchr("\\/:*?\"<>| ", *p))
            *p = '_';
    time_t now = time(NULL);
    struct tm tm;
    localtime_s(&tm, &now);
    char stamp[32], zip_path[2048];
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    snprintf(zip_path, sizeof zip_path, "%s\\updx-%s-%s.zip", outdir, computer, stamp);

    zipw *z = zipw_open(zip_path);
    if (!z) {
        fprintf(stderr, "updx-collect: cannot create '%s'\n", zip_path);
        return 1;
    }
    updx_collect_sink sink = {z, sink_begin, sink_write, sink_end};
    updx_collector *col = updx_collector_new(&opts, &cfs, &sink, "windows");
    if (!col) {
        zipw_abort(z);
        return 1;
    }
    machine_facts(col, live, fs.root);
    int rc = updx_collector_run_plan(col);
    if (live && rc == 0) {
        wchar_t tmpdir[MAX_PATH + 1];
        if (!GetTempPathW(MAX_PATH + 1, tmpdir))
            wcscpy(tmpdir, L"C:\\Windows\\Temp\\");
        if (opts.categories & UPDX_CAT_REGISTRY)
            collect_registry(col, tmpdir, admin);
        if (opts.categories & UPDX_CAT_EVENTS)
            collect_events(col, tmpdir);
        if (opts.categories & UPDX_CAT_SYSTEM) {
            collect_services(col);
            collect_processes(col);
        }
        collect_commands(col, opts.categories, tmpdir);
    }
    if (rc != 0 || updx_collector_finish(col) != 0) {
        fprintf(stderr, "updx-collect: writing '%s' failed (disk full?)\n", zip_path);
        zipw_abort(z);
        updx_collector_free(col);
        return 1;
    }
    if (zipw_close(z) != 0) {
        fprintf(stderr, "updx-collect: finishing '%s' failed (disk full?)\n", zip_path);
        updx_collector_free(col);
        return 1;
    }
    /* re-read what was written: every member inflated and hashed against the manifest */
    verify_ctx v = {col, 0, 0};
    char err[256] = "";
    long members = zipcheck(zip_path, verify_member, &v, err, sizeof err);
    size_t files = updx_collector_file_count(col);
    printf("\n%zu files, %.1f MB, %zu could not be collected (see manifest.json \"errors\")\n",
           files, (double)updx_collector_bytes(col) / 1e6, updx_collector_error_count(col));
    int status = 0;
    if (members < 0 || v.bad || v.matched != files) {
        fprintf(stderr, "updx-collect: VERIFICATION FAILED for %s: %s%zu of %zu files checked, %zu bad\n",
                zip_path, err, v.matched, files, v.bad);
        status = 1;
    } else {
        printf("verified: %ld members re-read, all %zu SHA-256 hashes match the manifest\n", members,
               files);
    }
    char hex[65];
    if (file_sha256(zip_path, hex) == 0)
        printf("wrote %s\nSHA-256 of the zip: %s\n", zip_path, hex);
    updx_collector_free(col);
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    free(argv);
    return status;
}
