/* test_bundle_recognize.c: member recognition: every corpus file, and synthetic heads. */
#include "harness.h"

#include <stdint.h>

#include "bundle/recognize.h"
#include "model/kind.h"

static updx_kind rec(const char *name, const void *data, size_t len, const char **detail)
{
    return updx_recognize(name, data, len, detail);
}

#define REC_STR(name, s, d) rec(name, s, sizeof(s) - 1, d)

/* Every file under ../shared/corpus, with the kind (and detail) checked by reading it. */
static const struct {
    const char *path;
    updx_kind kind;
    const char *detail; /* NULL: not checked */
} corpus_kinds[] = {
    {"dumps/SOURCES.md", UPDX_KIND_TEXT, NULL},
    {"dumps/rizin-testbins_triage_arm64.dmp", UPDX_KIND_KERNEL_DUMP, "triage"},
    {"dumps/rizin-testbins_triage_x64.dmp", UPDX_KIND_KERNEL_DUMP, "triage"},
    {"evtx/2-vss_7-System.evtx", UPDX_KIND_EVTX, NULL},
    {"evtx/Application_no_crc32.evtx", UPDX_KIND_EVTX, NULL},
    {"evtx/Microsoft-Windows-LanguagePackSetup%4Operational.evtx", UPDX_KIND_EVTX, NULL},
    {"evtx/SOURCES.md", UPDX_KIND_TEXT, NULL},
    {"evtx/sample_with_a_bad_chunk_magic.evtx", UPDX_KIND_EVTX, NULL},
    {"evtx/system.evtx", UPDX_KIND_EVTX, NULL},
    {"hives/SOURCES.md", UPDX_KIND_TEXT, NULL},
    {"hives/hivex-minimal", UPDX_KIND_HIVE, NULL},
    {"hives/hivex-special", UPDX_KIND_HIVE, NULL},
    {"logs/MANIFEST.tsv", UPDX_KIND_TEXT, NULL},
    {"logs/SOURCES.md", UPDX_KIND_TEXT, NULL},
    {"logs/aaron-evtx-1511/Microsoft-Windows-Kernel-PnP%4Configuration.evtx", UPDX_KIND_EVTX, NULL},
    {"logs/aaron-evtx-1511/Setup.evtx", UPDX_KIND_EVTX, NULL},
    {"logs/aka18angel-sysprep-appx-fail/setuperr.log", UPDX_KIND_SETUPERR, NULL},
    {"logs/alborz25-cbs-source-missing/CBS.log", UPDX_KIND_CBS, NULL},
    {"logs/appostarsi-cbs-hydration/CBS.log", UPDX_KIND_CBS, NULL},
    {"logs/appostarsi-cbs-hydration/dism.log", UPDX_KIND_DISM, NULL},
    {"logs/asus-mosetup-bluebox/BlueBox.log", UPDX_KIND_BLUEBOX, NULL},
    {"logs/baslr-w10-rollback/Panther/setuperr.log", UPDX_KIND_SETUPERR, "panther"},
    {"logs/baslr-w10-rollback/Rollback/setupact.log", UPDX_KIND_SETUPACT, "rollback"},
    {"logs/baslr-w10-rollback/Rollback/setupapi/setupapi.dev.log", UPDX_KIND_SETUPAPI, NULL},
    {"logs/baslr-w10-rollback/Rollback/setuperr.log", UPDX_KIND_SETUPERR, "rollback"},
    {"logs/bitbtrust-winpe-ibs/setupact.log", UPDX_KIND_SETUPACT, NULL},
    {"logs/bitbtrust-winpe-ibs/setuperr.log", UPDX_KIND_SETUPERR, NULL},
    {"logs/chinte8688-windir-big5/setupact.log", UPDX_KIND_OLDSETUPACT, "windir"},
    {"logs/copyleft21-setuphost-cancel/setupact.log", UPDX_KIND_SETUPACT, "downlevel"},
    {"logs/copyleft21-setuphost-cancel/setuperr.log", UPDX_KIND_SETUPERR, NULL},
    {"logs/cralborn-azure-panther/Panther/UnattendGC/setupact.log", UPDX_KIND_SETUPACT, "oobe"},
    {"logs/cralborn-azure-panther/Panther/UnattendGC/setuperr.log", UPDX_KIND_SETUPERR, "oobe"},
    {"logs/cralborn-azure-panther/Panther/diagwrn.xml", UPDX_KIND_DIAGXML, NULL},
    {"logs/cralborn-azure-panther/Panther/setupact.log", UPDX_KIND_SETUPACT, "panther"},
    {"logs/excerpts/ja-iotcore-bthusb-0x00000002.excerpt.txt", UPDX_KIND_SETUPAPI, NULL},
    /* setuperr then setupact lines with timestamps cut to mm:ss by Microsoft */
    {"logs/excerpts/ms-docs-log-files-0x8007042B.excerpt.txt", UPDX_KIND_SETUPACT, NULL},
    {"logs/excerpts/ms-docs-setupdiag-samples.excerpt.txt", UPDX_KIND_SETUPDIAG, "text"},
    /* "YYYY-MM-DD HH:MM:SS, Info MOUPG" placeholders, rollback log per the article */
    {"logs/excerpts/ms-support-0x800F0818-20003-rollback.excerpt.txt", UPDX_KIND_SETUPACT, NULL},
    {"logs/excerpts/print-driver-pnputil-0xe0000247.excerpt.txt", UPDX_KIND_SETUPAPI, NULL},
    {"logs/infinito-cbs-win7/CBS.log", UPDX_KIND_CBS, NULL},
    {"logs/kaifangliu-windir-dispci/setupact.log", UPDX_KIND_OLDSETUPACT, "windir"},
    {"logs/kayky-hp-sp-start/diagerr.xml", UPDX_KIND_DIAGXML, NULL},
    {"logs/kayky-hp-sp-start/diagwrn.xml", UPDX_KIND_DIAGXML, NULL},
    {"logs/kayky-hp-sp-start/setupact.log", UPDX_KIND_SETUPACT, NULL},
    /* written by DISM in WinPE, named cbs.log: the name decides within the Panther family */
    {"logs/michampr-panther-winpe/cbs.log", UPDX_KIND_CBS, NULL},
    {"logs/michampr-panther-winpe/diagerr.xml", UPDX_KIND_DIAGXML, NULL},
    {"logs/plaso-setupapi-10240/setupapi.dev.log", UPDX_KIND_SETUPAPI, NULL},
    {"logs/plaso-setupapi-10240/setupapi.setup.log", UPDX_KIND_SETUPAPI, NULL},
    {"logs/ricka-diskprov-50013/setupact.log", UPDX_KIND_SETUPACT, "downlevel"},
    {"logs/romi1996-cbs-store-corrupt/CBS.log", UPDX_KIND_CBS, NULL},
    {"logs/shekhar-pbr-reset/diagerr.xml", UPDX_KIND_DIAGXML, NULL},
    {"logs/shekhar-pbr-reset/diagwrn.xml", UPDX_KIND_DIAGXML, NULL},
    {"logs/shekhar-pbr-reset/setupact.log", UPDX_KIND_SETUPACT, NULL},
    {"logs/shekhar-pbr-reset/setuperr.log", UPDX_KIND_SETUPERR, NULL},
    {"logs/silvermaz-24h2-upgrade/SetupAct.log", UPDX_KIND_SETUPACT, NULL},
    {"logs/silvermaz-24h2-upgrade/setuperr.log", UPDX_KIND_SETUPERR, NULL},
    {"logs/t007tim-windir-audmig/setupact.log", UPDX_KIND_OLDSETUPACT, "windir"},
    {"logs/ttx-setupapi-cp1251/setupapi.dev.log", UPDX_KIND_SETUPAPI, NULL},
    {"logs/vitalskib-w11-2026/b2dc252/setupact.log", UPDX_KIND_SETUPACT, "oobe"},
    {"logs/vitalskib-w11-2026/b2dc252/setuperr.log", UPDX_KIND_SETUPERR, NULL},
    {"logs/vitalskib-w11-2026/e16819b/setuperr.log", UPDX_KIND_SETUPERR, NULL},
    {"logs/weiyang-sysprep-lxp-zhcn-fail/setupact.log", UPDX_KIND_SETUPACT, "sysprep"},
    {"logs/wybzdjsa-mighost/setupact.log", UPDX_KIND_SETUPACT, NULL},
    {"windbg/SOURCES.md", UPDX_KIND_TEXT, NULL},
    {"windbg/issue_KoenZomers-KeePassOneDriveSync-115_whocrashed_0x3B_EXCERPT.txt", UPDX_KIND_DEBUGGER_TEXT, "whocrashed"},
    {"windbg/issue_MartinDrab-IRPMon-116_0x7E_EXCERPT.txt", UPDX_KIND_DEBUGGER_TEXT, "windbg"},
    {"windbg/issue_MicrosoftDocs-sysinternals-223_0xD4_psav3cld_EXCERPT.txt", UPDX_KIND_DEBUGGER_TEXT, "windbg"},
    {"windbg/issue_dokan-dev-dokany-396_kd_minidump_header_win7x86_EXCERPT.txt", UPDX_KIND_DEBUGGER_TEXT, "windbg"},
    {"windbg/issue_maharmstone-btrfs-80_bluescreenview_style_0x1000007e.txt", UPDX_KIND_DEBUGGER_TEXT, "bluescreenview"},
    {"windbg/issue_openzfsonwindows-openzfs-88_tail_FAILURE_BUCKET_EXCERPT.txt", UPDX_KIND_DEBUGGER_TEXT, "windbg"},
    {"windbg/issue_winsiderss-systeminformer-2300_0x3B_EXCERPT.txt", UPDX_KIND_DEBUGGER_TEXT, "windbg"},
    {"windbg/msdocs_bugcheck-0x116_video-tdr_nvlddmkm_analyze_lm_k.txt", UPDX_KIND_DEBUGGER_TEXT, "windbg"},
    {"windbg/msdocs_bugcheck-0x133_dpc-watchdog_analyze.txt", UPDX_KIND_DEBUGGER_TEXT, "windbg"},
    {"windbg/msdocs_bugcheck-0x50_analyze_address_r.txt", UPDX_KIND_DEBUGGER_TEXT, "windbg"},
    {"windbg/msdocs_bugcheck-0x9f_power-state_analyze.txt", UPDX_KIND_DEBUGGER_TEXT, "windbg"},
    {"windbg/msdocs_using-analyze-extension_kernel_0xD1_usbport.txt", UPDX_KIND_DEBUGGER_TEXT, "windbg"},
};

static int corpus_file_count(const char *dir, const char *rel);

static void test_corpus(void)
{
    const char *corpus = harness_corpus();
    if (!corpus) {
        fprintf(stderr, "skip: corpus not found\n");
        return;
    }
    size_t n = sizeof corpus_kinds / sizeof corpus_kinds[0];
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", corpus, corpus_kinds[i].path);
        size_t len = 0;
        unsigned char *data = harness_read_file(path, &len);
        CHECK(data != NULL);
        if (!data)
            continue;
        const char *detail = NULL;
        updx_kind k = rec(corpus_kinds[i].path, data, len < UPDX_RECOGNIZE_HEAD_BYTES ? len : UPDX_RECOGNIZE_HEAD_BYTES, &detail);
        if (k != corpus_kinds[i].kind)
            fprintf(stderr, "  %s: %s\n", corpus_kinds[i].path, updx_kind_name(k));
        CHECK_STR(updx_kind_name(k), updx_kind_name(corpus_kinds[i].kind));
        if (corpus_kinds[i].detail)
            CHECK_STR(detail, corpus_kinds[i].detail);
        free(data);
    }
    /* the table covers the whole corpus: a new corpus file must be checked and added */
    CHECK_INT(corpus_file_count(corpus, ""), (long long)n);
}

#include <dirent.h>
#include <sys/stat.h>

static int corpus_file_count(const char *dir, const char *rel)
{
    char full[4096];
    snprintf(full, sizeof full, "%s/%s", dir, rel);
    DIR *d = opendir(full);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char sub[4096], subfull[8192];
        snprintf(sub, sizeof sub, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
        snprintf(subfull, sizeof subfull, "%s/%s", dir, sub);
        struct stat st;
        if (lstat(subfull, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            n += corpus_file_count(dir, sub);
        else if (S_ISREG(st.st_mode))
            n++;
    }
    closedir(d);
    return n;
}

static void test_dumps(void)
{
    uint8_t h[0x1000] = {0};
    memcpy(h, "PAGEDU64", 8);
    h[0xF98] = 1;
    const char *d;
    CHECK_INT(rec("x.bin", h, sizeof h, &d), UPDX_KIND_KERNEL_DUMP);
    CHECK_STR(d, "full");
    h[0xF98] = 0x0A;
    rec("x", h, sizeof h, &d);
    CHECK_STR(d, "complete_memory");
    memcpy(h, "PAGEDUMP", 8);
    h[0xF88] = 4;
    CHECK_INT(rec("MEMORY.DMP", h, sizeof h, &d), UPDX_KIND_KERNEL_DUMP);
    CHECK_STR(d, "triage");
    /* a header cut before the dump type */
    CHECK_INT(rec("x", h, 16, &d), UPDX_KIND_KERNEL_DUMP);
    CHECK_STR(d, "unknown_dump_type");
    CHECK_INT(REC_STR("setuphost.dmp", "MDMP\x93\xa7", &d), UPDX_KIND_MINIDUMP);
    /* named like a dump, no signature: not a dump */
    CHECK_INT(REC_STR("MEMORY.DMP", "\x01\x02\x03\x00\x00\xff", &d), UPDX_KIND_BINARY);
}

static void test_binary_formats(void)
{
    const char *d;
    CHECK_INT(REC_STR("SYSTEM", "regf\x01\x00\x00\x00", &d), UPDX_KIND_HIVE);
    CHECK_INT(REC_STR("config/SYSTEM.LOG1", "regf\x01\x00\x00\x00", &d), UPDX_KIND_HIVE_LOG);
    CHECK_INT(REC_STR("Setup.evtx", "ElfFile\x00\x03\x00", &d), UPDX_KIND_EVTX);
    CHECK_INT(REC_STR("a.bin", "PK\x03\x04\x14\x00", &d), UPDX_KIND_ARCHIVE);
    CHECK_STR(d, "zip");
    CHECK_INT(REC_STR("a", "7z\xBC\xAF\x27\x1C\x00\x04", &d), UPDX_KIND_ARCHIVE);
    CHECK_STR(d, "7z");
    CHECK_INT(REC_STR("a", "\x1F\x8B\x08\x00", &d), UPDX_KIND_ARCHIVE);
    CHECK_STR(d, "gzip");
    CHECK_INT(REC_STR("a", "MSCF\x00\x00\x00\x00\x10", &d), UPDX_KIND_ARCHIVE);
    CHECK_STR(d, "cab");
    CHECK_INT(REC_STR("a", "BZh91AY", &d), UPDX_KIND_ARCHIVE);
    CHECK_INT(REC_STR("a", "\xFD" "7zXZ\x00\x00", &d), UPDX_KIND_ARCHIVE);
    uint8_t tar[512] = {0};
    memcpy(tar, "file.log", 8);
    memcpy(tar + 257, "ustar", 5);
    CHECK_INT(rec("a", tar, sizeof tar, &d), UPDX_KIND_ARCHIVE);
    CHECK_STR(d, "tar");
}

static void test_text_formats(void)
{
    const char *d;
    /* renamed Panther logs: content decides, counts refine */
    CHECK_INT(REC_STR("notes.txt", "2021-05-18 03:11:02, Info                  SP     Initiating rollback/uninstall, phase = 0\r\n", &d),
              UPDX_KIND_SETUPACT);
    CHECK_STR(d, "rollback");
    CHECK_INT(REC_STR("a.txt", "2021-05-18 03:11:07, Error                 SP     x\r\n2021-05-18 03:11:07, Warning               SP     y\r\n", &d),
              UPDX_KIND_SETUPERR);
    CHECK_INT(REC_STR("a.txt", "2020-02-03 23:50:28, Info                  CBS    TI: --- Initializing Trusted Installer ---\r\n", &d),
              UPDX_KIND_CBS);
    CHECK_INT(REC_STR("a.txt", "2023-05-17 08:32:31, Info                  DISM   PID=7092 TID=5908 Scratch\r\n", &d),
              UPDX_KIND_DISM);
    /* the phase folder from the path */
    CHECK_INT(REC_STR("C/$WINDOWS.~BT/Sources/Panther/setupact.log", "2021-05-18 03:11:02, Info                  SP     x\r\n", &d),
              UPDX_KIND_SETUPACT);
    CHECK_STR(d, "downlevel");
    CHECK_STR(updx_panther_phase("C:\\Windows\\Panther\\UnattendGC\\setupact.log"), "oobe");
    CHECK_STR(updx_panther_phase("Windows/Panther/setupact.log"), "windows-panther");
    CHECK_STR(updx_panther_phase("Windows/Panther/NewOS/Panther/setupact.log"), "newos");
    CHECK_STR(updx_panther_phase("Windows/System32/Sysprep/Panther/setupact.log"), "sysprep");
    CHECK_STR(updx_panther_phase("$WINDOWS.~BT/Sources/Rollback/setupact.log"), "rollback");
    CHECK_STR(updx_panther_phase("Windows/setupact.log"), "windir");
    CHECK(updx_panther_phase("setupact.log") == NULL);
    /* an empty setupact.log in a phase folder is still a setup log */
    CHECK_INT(rec("Windows/Panther/setupact.log", "", 0, &d), UPDX_KIND_SETUPACT);
    CHECK_INT(rec("x.bin", "", 0, &d), UPDX_KIND_UNKNOWN);
    CHECK_STR(d, "empty");
    CHECK_INT(REC_STR("bb.txt", "\xEF\xBB\xBF" "2025-04-26 05:07:00: BuildInfo: [10.0.26100.1]\r\n", &d), UPDX_KIND_BLUEBOX);
    CHECK_INT(REC_STR("x", "[Device Install Log]\r\n     OS Version = 10.0.19042\r\n", &d), UPDX_KIND_SETUPAPI);
    CHECK_INT(REC_STR("Windows/INF/setupapi.dev.20220505_161832.log", "\x01\x02garbage\x00\x00\x00\x00", &d), UPDX_KIND_SETUPAPI);
    /* UTF-16LE .reg export, renamed */
    static const char reg16[] = "\xFF\xFEW\0i\0n\0d\0o\0w\0s\0 \0R\0e\0g\0i\0s\0t\0r\0y\0 \0E\0d\0i\0t\0o\0r\0"
                                " \0V\0e\0r\0s\0i\0o\0n\0 \0" "5\0.\0" "0\0" "0\0\r\0\n\0";
    CHECK_INT(rec("export.txt", reg16, sizeof reg16 - 1, &d), UPDX_KIND_REG_EXPORT);
    CHECK_INT(REC_STR("x.reg", "REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM]\r\n", &d), UPDX_KIND_REG_EXPORT);
    CHECK_INT(REC_STR("q.txt", "\r\nHKEY_LOCAL_MACHINE\\SYSTEM\\Setup\r\n    SystemSetupInProgress    REG_DWORD    0x0\r\n", &d),
              UPDX_KIND_REG_EXPORT);
    /* XML by root element */
    CHECK_INT(REC_STR("x.xml", "<?xml version=\"1.0\"?>\r\n<CompatReport xmlns=\"http://www.microsoft.com/ApplicationExperience/UpgradeAdvisor/01012009\">", &d),
              UPDX_KIND_COMPATDATA);
    CHECK_INT(REC_STR("Panther/ScanResult.xml", "<?xml version=\"1.0\"?><CompatReport xmlns=\"x\">", &d), UPDX_KIND_SCANRESULT);
    CHECK_INT(REC_STR("a.xml", "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!-- c -->\n<WicaRun><RunInfos>", &d), UPDX_KIND_APPRAISER);
    CHECK_INT(REC_STR("a.xml", "<?xml version=\"1.0\" encoding=\"utf-16\"?>\n<SetupDiag xmlns=\"https://docs.microsoft.com/windows/deployment/upgrade/setupdiag\">", &d),
              UPDX_KIND_SETUPDIAG);
    CHECK_STR(d, "xml");
    CHECK_INT(REC_STR("a.xml", "<xml xmlns:s=\"uuid:BDC6E3F0-6DA3-11d1-A2A3-00AA00C14882\"\n xmlns:rs=\"urn:schemas-microsoft-com:rowset\">", &d),
              UPDX_KIND_DIAGXML);
    CHECK_INT(REC_STR("other.xml", "<?xml version=\"1.0\"?><root/>", &d), UPDX_KIND_TEXT);
    CHECK_INT(REC_STR("CompatData_2024_01_01_10_00_00_0_000.xml", "<?xml version=\"1.0\"?><Other/>", &d), UPDX_KIND_COMPATDATA);
    CHECK_INT(REC_STR("x_APPRAISER_HumanReadable.xml", "<?xml version=\"1.0\"?><Other/>", &d), UPDX_KIND_APPRAISER);
    /* JSON */
    CHECK_INT(REC_STR("r.json", "{\n  \"Version\":\"1.6.0.0\",\n  \"ProfileName\":\"FindSPFatalError\"\n}", &d), UPDX_KIND_SETUPDIAG);
    CHECK_STR(d, "json");
    CHECK_INT(REC_STR("manifest.json", "{\"collector\": {\"name\": \"updx-collect\"}, \"files\": []}", &d), UPDX_KIND_MANIFEST);
    CHECK_INT(REC_STR("x.json", "{\"other\": 1}", &d), UPDX_KIND_TEXT);
    /* debugger text */
    CHECK_INT(REC_STR("paste.txt", "some words\n # Child-SP          RetAddr           Call Site\n00 fffff801`1 nt!KeBugCheckEx\n", &d),
              UPDX_KIND_DEBUGGER_TEXT);
    CHECK_INT(REC_STR("a.txt", "BUGCHECK_CODE:  7e\n", &d), UPDX_KIND_DEBUGGER_TEXT);
    CHECK_INT(REC_STR("readme.md", "| file | shows `BUGCHECK_CODE:` and Child-SP |\n", &d), UPDX_KIND_TEXT);
    CHECK_INT(REC_STR("SetupDiagResults.log", "Matching Profile found: FindSPFatalError - ...\n", &d), UPDX_KIND_SETUPDIAG);
    /* the old C:\Windows\setupact.log */
    CHECK_INT(REC_STR("x.log", "[04/10/2020 20:20.04.633] WudfCoInstaller: ReadWdfSection\r\n", &d), UPDX_KIND_OLDSETUPACT);
    CHECK_INT(REC_STR("Windows/setupact.log", "AudMig: Initializing upgrade diagnostics\r\n", &d), UPDX_KIND_OLDSETUPACT);
    CHECK_INT(REC_STR("hello.txt", "hello\n", &d), UPDX_KIND_TEXT);
    CHECK_INT(rec(NULL, NULL, 0, &d), UPDX_KIND_UNKNOWN);
    CHECK_INT(rec(NULL, "x", 1, NULL), UPDX_KIND_TEXT);
}

int main(void)
{
    RUN(test_dumps);
    RUN(test_binary_formats);
    RUN(test_text_formats);
    RUN(test_corpus);
    return harness_exit();
}
