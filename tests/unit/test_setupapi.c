/* test_setupapi.c: the setupapi.*.log parser on hand-made logs (the seed case's driver
 * migration among them) and on the real logs of the corpus. */
#include "harness.h"

#include "logs/setupapi.h"
#include "util/buf.h"

static updx_case *parse_string(const char *member, const char *text, int *rc)
{
    updx_case *c = updx_case_new("test", NULL);
    int r = updx_setupapi_parse_mem(c, member, text, strlen(text));
    if (rc)
        *rc = r;
    return c;
}

static const updx_setupapi_file *file_at(const updx_case *c, size_t i)
{
    return *(updx_setupapi_file **)updx_avec_at(&c->setupapi->files, i);
}

static const updx_setupapi_section *section_at(const updx_case *c, size_t i)
{
    return *(updx_setupapi_section **)updx_avec_at(&c->setupapi->sections, i);
}

/* The seed case: driver migration deletes the TMS network filter services, and both
 * sections end FAILURE(0x80071a2d) (ERROR_TRANSACTION_NOT_ACTIVE). Built here from the
 * lines quoted in the case thread, wrapped in the usual header and a successful section. */
static char *seed_upgrade_log(void)
{
    static const char *const filters[][3] = {{"lwfmgr", "82", "16:18:32"}, {"vwifimf", "83", "16:18:39"}};
    updx_buf b;
    updx_buf_init(&b, 1 << 20);
    updx_buf_adds(&b, "[Device Install Log]\r\n"
                      "     OS Version = 10.0.19044\r\n"
                      "     Service Pack = 0.0\r\n"
                      "     Suite = 0x0100\r\n"
                      "     ProductType = 1\r\n"
                      "     Architecture = amd64\r\n"
                      "\r\n[BeginLog]\r\n\r\n"
                      "[Boot Session: 2022/05/05 16:02:10.500]\r\n\r\n"
                      ">>>  [Setup Import Driver Package - C:\\Windows\\INF\\oem3.inf]\r\n"
                      ">>>  Section start 2022/05/05 16:18:20.011\r\n"
                      "     inf: AddService=tmsagent,0x00000002,Agent_Svc  (oem3.inf line 40)\r\n"
                      "     inf: Created new service 'tmsagent'.\r\n"
                      "<<<  Section end 2022/05/05 16:18:20.345\r\n"
                      "<<<  [Exit status: SUCCESS]\r\n\r\n");
    for (int i = 0; i < 2; i++) {
        const char *svc = filters[i][0], *infline = filters[i][1], *t = filters[i][2];
        updx_buf_printf(&b,
                        ">>>  [Setup Migrate Driver Package - C:\\Windows\\INF\\%s.inf]\r\n"
                        ">>>  Section start 2022/05/05 %s.010\r\n"
                        "     inf: {Install from INF Section - Install.Remove} %s.120\r\n"
                        "     inf:      DelService=%s,0x200  (%s.inf line %s)\r\n"
                        "     dvi: Deleted service '%s'.\r\n"
                        "     inf: {Install from INF Section - Install.Remove} %s.167\r\n"
                        "     inf:      Flags         - 0x00000040\r\n"
                        "     inf: {Install from INF Section - exit(0x00000000)} %s.167\r\n"
                        "<<<  Section end 2022/05/05 %s.182\r\n"
                        "<<<  [Exit status: FAILURE(0x80071a2d)]\r\n\r\n",
                        svc, t, t, svc, svc, infline, svc, t, t, t);
    }
    return updx_buf_take(&b);
}

static void test_seed_case(void)
{
    char *log = seed_upgrade_log();
    int rc;
    updx_case *c = parse_string("Windows/INF/setupapi.upgrade.log", log, &rc);
    CHECK_INT(rc, UPDX_OK);
    const struct updx_setupapi_facts *f = c->setupapi;
    CHECK(f != NULL);
    const updx_setupapi_file *file = file_at(c, 0);
    CHECK_STR(file->log_kind, "upgrade");
    CHECK_STR(file->os_version, "10.0.19044");
    CHECK_STR(file->architecture, "amd64");
    CHECK_INT(file->boot_sessions.len, 1);
    CHECK_INT(file->sections, 3);
    CHECK_INT(file->succeeded, 1);
    CHECK_INT(file->failed, 2);

    size_t cur = 0;
    const updx_setupapi_service *sv = updx_setupapi_find_service(f, "LWFMGR", &cur);
    CHECK(sv != NULL);
    if (sv) {
        CHECK_STR(sv->name, "lwfmgr");
        CHECK_INT(sv->op, UPDX_SA_DELETE_SERVICE);
        CHECK(sv->has_flags);
        CHECK_INT(sv->flags, 0x200);
        CHECK_STR(sv->inf, "lwfmgr.inf");
        CHECK_INT(sv->inf_line, 82);
        CHECK_STR(sv->result, "deleted");
        CHECK_STR(sv->directive.text, "     inf:      DelService=lwfmgr,0x200  (lwfmgr.inf line 82)");
        CHECK_STR(sv->outcome.text, "     dvi: Deleted service 'lwfmgr'.");
        CHECK_INT(sv->section->status, UPDX_SA_FAILURE);
        CHECK_INT(sv->section->exit_code, 0x80071a2d);
        CHECK_STR(sv->section->end.text, "2022-05-05 16:18:32.182");
        CHECK_STR(sv->section->exit_text, "[Exit status: FAILURE(0x80071a2d)]");
        CHECK_STR(sv->section->subject, "C:\\Windows\\INF\\lwfmgr.inf");
        CHECK_INT(sv->section->status_line, sv->section->end_line + 1);
        CHECK_INT(sv->section->lines.len, 6); /* a failed section keeps its body */
    }
    CHECK(updx_setupapi_find_service(f, "lwfmgr", &cur) == NULL);
    cur = 0;
    sv = updx_setupapi_find_service(f, "vwifimf", &cur);
    CHECK(sv != NULL);
    if (sv) {
        CHECK_INT(sv->inf_line, 83);
        CHECK_STR(sv->section->end.text, "2022-05-05 16:18:39.182");
        CHECK_INT(sv->section->exit_code, 0x80071a2d);
    }
    cur = 0;
    sv = updx_setupapi_find_service(f, "tmsagent", &cur);
    CHECK(sv && sv->op == UPDX_SA_ADD_SERVICE && sv->flags == 2 && strcmp(sv->result, "created") == 0);
    if (sv)
        CHECK_INT(sv->section->lines.len, 0); /* a successful section is summarised */

    cur = 0;
    int failed = 0;
    while (updx_setupapi_next_failed(f, &cur))
        failed++;
    CHECK_INT(failed, 2);

    json_t *j = updx_setupapi_to_json(c);
    CHECK(j != NULL);
    char *s = json_dumps(j, JSON_SORT_KEYS);
    CHECK(s && strstr(s, "\"exit_code\": \"0x80071a2d\""));
    CHECK(s && strstr(s, "DelService=lwfmgr,0x200  (lwfmgr.inf line 82)"));
    /* deterministic: the same facts print the same */
    json_t *j2 = updx_setupapi_to_json(c);
    char *s2 = json_dumps(j2, JSON_SORT_KEYS);
    CHECK(s && s2 && strcmp(s, s2) == 0);
    free(s);
    free(s2);
    json_decref(j);
    json_decref(j2);
    updx_case_free(c);
    free(log);
}

static void test_variants(void)
{
    /* the documented 2005 layout, a tool prefix, an indented block, Exit Status(0x0) */
    const char *log =
        ">>>  [Device Install - PCI\\VEN_1000&DEV_0001]\n"
        ">>>  2005/02/13 22:06:28.109: Section start\n"
        "     ndv: Installing device\n"
        "<<<  [2005/02/13 22:06:29.000: Section end]\n"
        "<<<  [Exit Status(0x00000000)]\n"
        "libwdi:debug [syslog] >>>  [Device Install (DiInstallDriver) - C:\\WINDOWS\\INF\\oem47.inf]\n"
        "libwdi:debug [syslog] >>>  Section start 2020/01/20 17:26:03.100\n"
        "libwdi:debug [syslog] <<<  Section end 2020/01/20 17:26:03.697\n"
        "libwdi:debug [syslog] <<<  [Exit status: FAILURE(0x0000ffff)]\n"
        "    >>>  [Device Install (Hardware initiated) - USB\\VID_0A5C&PID_21E8\\000272C973A1]\n"
        "    >>>  Section start 2020/01/20 17:26:03.100\n"
        "    !!! dvi: Installation of device is blocked by policy!\n"
        "    !    pol: Device ID matched a deny policy\n"
        "    <<<  Section end 2020/01/20 17:26:03.697\n"
        "    <<<  [Exit status: FAILURE(0xe0000248)]\n";
    updx_case *c = parse_string("setupapi.dev.log", log, NULL);
    CHECK_INT(c->setupapi->sections.len, 3);
    const updx_setupapi_section *s = section_at(c, 0);
    CHECK_INT(s->status, UPDX_SA_SUCCESS);
    CHECK_STR(s->start.text, "2005-02-13 22:06:28.109");
    CHECK_STR(s->end.text, "2005-02-13 22:06:29.000");
    CHECK_STR(s->kind, "Device Install");
    s = section_at(c, 1);
    CHECK_INT(s->status, UPDX_SA_FAILURE);
    CHECK_INT(s->exit_code, 0xffff);
    s = section_at(c, 2);
    CHECK_INT(s->status, UPDX_SA_FAILURE);
    CHECK_INT(s->exit_code, 0xe0000248);
    CHECK_INT(s->errors, 1);
    CHECK_INT(s->warnings, 1);
    CHECK_STR(s->first_error.category, "dvi");
    CHECK_INT(s->first_error.line, 12);
    CHECK_STR(s->subject, "USB\\VID_0A5C&PID_21E8\\000272C973A1");
    updx_case_free(c);
}

static void test_nesting_and_crash(void)
{
    /* an umbrella section holds a finished install; two installs are cut off: one by "<ins>",
     * one by a new boot session; the next boot's section is then still open at the end */
    const char *log =
        "[Device Install Log]\n     OS Version = 10.0.19042\n     Architecture = amd64\n[BeginLog]\n"
        "[Boot Session: 2021/05/18 05:08:33.500]\n"
        ">>>  [Sysprep Specialize - {94105898-e6d3-5c5e-a7c5-32077ec3d4d4}]\n"
        ">>>  Section start 2021/05/18 05:09:22.337\n"
        "     set: Initialized PnP data.\n"
        "<ins>\n"
        ">>>  [Setup Update Driver Package Signatures]\n"
        ">>>  Section start 2021/05/18 05:09:22.415\n"
        "     set: oem14.inf/appleusb.inf -> Signed\n"
        "<<<  Section end 2021/05/18 05:09:22.446\n"
        "<<<  [Exit status: SUCCESS]\n"
        ">>>  [Setup online Device Install (Hardware initiated) - PCI\\VEN_8086&DEV_8C10\\3&11583659&0&E0]\n"
        ">>>  Section start 2021/05/18 05:09:25.556\n"
        "     utl: Driver INF     - oem0.inf (C:\\X\\lynxpointsystem.inf)\n"
        "     dvi: Waiting for previous device install to complete. 05:09:26.198\n"
        "[Boot Session: 2021/05/18 05:11:00.000]\n"
        ">>>  [Device Install (Hardware initiated) - ROOT\\NET\\0000]\n"
        ">>>  Section start 2021/05/18 05:11:02.000\n"
        "     inf: AddService=lwfmgr,0x00000002,svc  (oem9.inf line 12)\n"
        "     inf: Image Path = \\SystemRoot\\System32\\drivers\\lwfmgr.sys\n"
        "     dvi: Install Device: Restarting device.\n";
    int rc;
    updx_case *c = parse_string("Rollback/setupapi/setupapi.dev.log", log, &rc);
    CHECK_INT(rc, UPDX_OK);
    const updx_setupapi_file *file = file_at(c, 0);
    CHECK_INT(file->sections, 4);
    CHECK_INT(file->left_open, 3);
    CHECK_INT(file->succeeded, 1);
    CHECK_INT(file->boot_sessions.len, 2);
    CHECK_INT(file->insert_markers, 1);
    CHECK_STR(file->last_body_line.text, "     dvi: Install Device: Restarting device.");
    size_t cur = 0;
    const updx_setupapi_section *s = updx_setupapi_next_open(c->setupapi, &cur);
    CHECK(s && s->interrupted && strcmp(s->last_line.text, "     set: Initialized PnP data.") == 0);
    s = updx_setupapi_next_open(c->setupapi, &cur);
    CHECK(s && strcmp(s->last_line.text, "     dvi: Waiting for previous device install to complete. 05:09:26.198") == 0);
    if (s) {
        CHECK_INT(s->boot_session, 0);
        CHECK_INT(s->infs.len, 2);
    }
    s = updx_setupapi_next_open(c->setupapi, &cur);
    CHECK(s && s->boot_session == 1);
    if (s) {
        CHECK_INT(s->drivers.len, 1);
        CHECK_STR(*(const char **)updx_avec_at(&s->drivers, 0), "lwfmgr.sys");
        CHECK_INT(s->services.len, 1);
        const updx_setupapi_service *sv = *(updx_setupapi_service **)updx_avec_at(&s->services, 0);
        CHECK_STR(sv->image_path, "\\SystemRoot\\System32\\drivers\\lwfmgr.sys");
        CHECK_INT(s->device_ids.len, 0);
    }
    CHECK(updx_setupapi_next_open(c->setupapi, &cur) == NULL);
    CHECK_INT(updx_notes_count(&c->notes, UPDX_NOTE_WARNING), 1);
    updx_case_free(c);
}

static void test_garbage(void)
{
    /* no header, markers with nothing in them, binary junk: counted, never fatal */
    const char junk[] = ">>>  [\n>>>  [x\n<<<  [Exit status: FAILURE(0x\n<<<  Section end\n"
                        "!!!  \n!: \n\x01\x02\xff\xfe\n<ins>\n>>>  Section start 9999/99/99 99:99:99.999\n";
    updx_case *c = updx_case_new("t", NULL);
    int rc = updx_setupapi_parse_mem(c, "junk.log", junk, sizeof junk - 1);
    CHECK(rc >= 0);
    CHECK_INT(file_at(c, 0)->sections, 2);
    json_t *j = updx_setupapi_to_json(c);
    CHECK(j != NULL);
    json_decref(j);
    updx_case_free(c);
}

static updx_case *parse_corpus(const char *corpus, const char *rel, int *rc)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/logs/%s", corpus, rel);
    size_t len;
    unsigned char *data = harness_read_file(path, &len);
    CHECK(data != NULL);
    if (!data)
        return NULL;
    updx_case *c = updx_case_new("corpus", NULL);
    *rc = updx_setupapi_parse_mem(c, rel, data, len);
    free(data);
    return c;
}

static void test_corpus(void)
{
    const char *corpus = harness_corpus();
    if (!corpus) {
        fprintf(stderr, "skip: corpus files (../shared/corpus absent)\n");
        return;
    }
    /* counts verified by reading the files (grep for >>>  [, <<<  [Exit, ^!!!, ^!  ) */
    static const struct {
        const char *path, *os, *encoding;
        uint64_t sections, succeeded, failed, open, errors, warnings;
        size_t boots;
    } files[] = {
        {"plaso-setupapi-10240/setupapi.dev.log", "10.0.10240", "ascii", 194, 194, 0, 0, 0, 180, 12},
        {"plaso-setupapi-10240/setupapi.setup.log", "10.0.10240", "ascii", 16, 16, 0, 0, 0, 14, 1},
        {"ttx-setupapi-cp1251/setupapi.dev.log", "10.0.22621", "cp1251", 27, 27, 0, 0, 0, 1577, 4},
        {"baslr-w10-rollback/Rollback/setupapi/setupapi.dev.log", "10.0.19042", NULL, 25, 15, 0, 10, 0, 33, 1},
        {"excerpts/print-driver-pnputil-0xe0000247.excerpt.txt", NULL, "ascii", 1, 0, 1, 0, 5, 4, 0},
        {"excerpts/ja-iotcore-bthusb-0x00000002.excerpt.txt", NULL, "utf-8", 2, 1, 1, 0, 8, 2, 0},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        int rc;
        updx_case *c = parse_corpus(corpus, files[i].path, &rc);
        if (!c)
            continue;
        const updx_setupapi_file *f = file_at(c, 0);
        fprintf(stderr, "  %s\n", files[i].path);
        CHECK(rc >= 0);
        CHECK_INT(f->sections, files[i].sections);
        CHECK_INT(f->succeeded, files[i].succeeded);
        CHECK_INT(f->failed, files[i].failed);
        CHECK_INT(f->left_open, files[i].open);
        CHECK_INT(f->errors, files[i].errors);
        CHECK_INT(f->warnings, files[i].warnings);
        CHECK_INT(f->boot_sessions.len, files[i].boots);
        if (files[i].os)
            CHECK_STR(f->os_version, files[i].os);
        if (files[i].encoding)
            CHECK_STR(f->encoding, files[i].encoding);
        updx_case_free(c);
    }

    /* baslr: the specialize-phase hang behind 0xC1900101-0x30018 */
    int rc;
    updx_case *c = parse_corpus(corpus, "baslr-w10-rollback/Rollback/setupapi/setupapi.dev.log", &rc);
    if (c) {
        CHECK_INT(rc, UPDX_PARTIAL); /* NULs and garbage at the end */
        const updx_setupapi_file *f = file_at(c, 0);
        CHECK(f->nul_bytes);
        CHECK_INT(f->insert_markers, 10);
        CHECK_INT(f->last_body_line.line, 1196);
        CHECK_STR(f->last_body_line.text, "     dvi: Waiting for previous device install to complete. 05:09:26.198");
        static const struct {
            uint64_t line;
            const char *title;
        } open[] = {
            {12, "Sysprep Specialize - {94105898-e6d3-5c5e-a7c5-32077ec3d4d4}"},
            {50, "Setup Plug and Play Device Install"},
            {961, "Setup online Device Install (Hardware initiated) - PCI\\VEN_8086&DEV_8C14&SUBSYS_72708086&REV_D5\\3&11583659&0&E2"},
            {1032, "Setup online Device Install (Hardware initiated) - PCI\\VEN_8086&DEV_0D04&SUBSYS_0147106B&REV_08\\3&11583659&0&00"},
            {1047, "Setup online Device Install (Hardware initiated) - PCI\\VEN_8086&DEV_0D26&SUBSYS_0147106B&REV_08\\3&11583659&0&10"},
            {1084, "Setup online Device Install (Hardware initiated) - PCI\\VEN_8086&DEV_8C3A&SUBSYS_72708086&REV_04\\3&11583659&0&B0"},
            {1099, "Setup online Device Install (Hardware initiated) - PCI\\VEN_8086&DEV_8C16&SUBSYS_72708086&REV_D5\\3&11583659&0&E3"},
            {1130, "Setup online Device Install (Hardware initiated) - PCI\\VEN_8086&DEV_8C20&SUBSYS_72708086&REV_05\\3&11583659&0&D8"},
            {1145, "Setup online Device Install (Hardware initiated) - PCI\\VEN_8086&DEV_8C4B&SUBSYS_72708086&REV_05\\3&11583659&0&F8"},
            {1168, "Setup online Device Install (Hardware initiated) - PCI\\VEN_8086&DEV_8C10&SUBSYS_72708086&REV_D5\\3&11583659&0&E0"},
        };
        size_t cur = 0, n = 0;
        const updx_setupapi_section *s;
        while ((s = updx_setupapi_next_open(c->setupapi, &cur)) != NULL) {
            if (n < 10) {
                CHECK_INT(s->header_line, open[n].line);
                CHECK_STR(s->title, open[n].title);
            }
            n++;
        }
        CHECK_INT(n, 10);
        cur = 0;
        s = updx_setupapi_next_open(c->setupapi, &cur);
        if (s) {
            CHECK_STR(s->start.text, "2021-05-18 05:09:22.337");
            CHECK(s->interrupted);
            CHECK_INT(s->last_line.line, 24);
        }
        updx_case_free(c);
    }

    /* the print-driver excerpt: a signature failure */
    c = parse_corpus(corpus, "excerpts/print-driver-pnputil-0xe0000247.excerpt.txt", &rc);
    if (c) {
        size_t cur = 0;
        const updx_setupapi_section *s = updx_setupapi_next_failed(c->setupapi, &cur);
        CHECK(s != NULL);
        if (s) {
            CHECK_INT(s->exit_code, 0xe0000247);
            CHECK_STR(s->kind, "Driver Install (DrvSetupInstallDriver)");
            CHECK_STR(s->first_error.category, "sig");
            CHECK(strstr(s->first_error.text, "Trusted Root Certificates") != NULL);
            CHECK_INT(s->first_error.line, 57);
        }
        updx_case_free(c);
    }
    /* the IoT Core excerpt: a missing driver file */
    c = parse_corpus(corpus, "excerpts/ja-iotcore-bthusb-0x00000002.excerpt.txt", &rc);
    if (c) {
        size_t cur = 0;
        const updx_setupapi_section *s = updx_setupapi_next_failed(c->setupapi, &cur);
        CHECK(s != NULL);
        if (s) {
            CHECK_INT(s->exit_code, 2);
            CHECK_STR(s->subject, "C:\\windows\\inf\\BTH_BROADCOMM.inf");
            CHECK_STR(s->first_error.text, "    !!!  flq: Error installing file (0x00000002)");
            int has_bthusb = 0;
            for (size_t i = 0; i < s->drivers.len; i++)
                if (strcmp(*(const char **)updx_avec_at(&s->drivers, i), "BTHUSB.SYS") == 0)
                    has_bthusb = 1;
            CHECK(has_bthusb);
        }
        updx_case_free(c);
    }
    /* plaso: VirtualBox guest additions services */
    c = parse_corpus(corpus, "plaso-setupapi-10240/setupapi.dev.log", &rc);
    if (c) {
        size_t cur = 0;
        const updx_setupapi_service *sv = updx_setupapi_find_service(c->setupapi, "VBoxTray", &cur);
        CHECK(sv != NULL);
        if (sv)
            CHECK_INT(sv->op, UPDX_SA_DELETE_SERVICE);
        cur = 0;
        sv = updx_setupapi_find_service(c->setupapi, "VBoxGuest", &cur);
        CHECK(sv && sv->op == UPDX_SA_ADD_SERVICE && sv->has_flags && sv->flags == 2);
        updx_case_free(c);
    }
}


/* A log of 30,000 sections (a looping install): past the first 10,000, successful sections
 * that deleted no service give their records back, but every failed and open section, every
 * service deletion and every count survives, and memory stays bounded. */
static void test_many_sections(void)
{
    updx_buf b;
    updx_buf_init(&b, 64u << 20);
    const char *head = "[Device Install Log]\n     OS Version = 10.0.19042\n[BeginLog]\n"
                       "[Boot Session: 2021/05/18 05:08:33.500]\n";
    updx_buf_add(&b, head, strlen(head));
    char line[512];
    for (int i = 0; i < 30000; i++) {
        int n = snprintf(line, sizeof line,
                         ">>>  [Device Install (Hardware initiated) - PCI\\VEN_8086&DEV_%04X]\n"
                         ">>>  Section start 2021/05/18 05:09:22.337\n"
                         "     dvi: AddService=svc%d,0x00000002,x_Service_Inst  (x%d.inf line 9)\n"
                         "%s"
                         "     dvi: Installing driver x%d.sys\n"
                         "<<<  Section end 2021/05/18 05:09:22.446\n"
                         "<<<  [Exit status: %s]\n",
                         i & 0xFFFF, i, i,
                         i % 5000 == 4999 ? "     dvi: DelService=old%d,0x200  (x.inf line 3)\n" : "", i,
                         i % 7000 == 6999 ? "FAILURE(0x80071a2d)" : "SUCCESS");
        updx_buf_add(&b, line, (size_t)n);
    }
    /* one section left open at the end */
    const char *tail = ">>>  [Device Install (Hardware initiated) - USB\\VID_0A5C&PID_21E8]\n"
                       ">>>  Section start 2021/05/18 05:10:00.000\n"
                       "     dvi: Installing driver lwfmgr.sys\n";
    updx_buf_add(&b, tail, strlen(tail));
    updx_buf_addc(&b, '\0');
    int rc;
    updx_case *c = parse_string("setupapi.dev.log", b.data, &rc);
    const updx_setupapi_file *f = file_at(c, 0);
    CHECK_INT(f->sections, 30001);
    CHECK_INT(f->failed, 4);          /* sections 6999, 13999, 20999, 27999 */
    CHECK_INT(f->left_open, 1);
    CHECK_INT(f->succeeded, 30000 - 4);
    /* every failed and open section is still there, with its strings intact */
    size_t cursor = 0, failed = 0;
    const updx_setupapi_section *s;
    while ((s = updx_setupapi_next_failed(c->setupapi, &cursor))) {
        failed++;
        CHECK(s->title && strncmp(s->title, "Device Install", 14) == 0);
        CHECK(s->services.len >= 1);
        CHECK(s->start.text && strcmp(s->start.text, "2021-05-18 05:09:22.337") == 0);
    }
    CHECK_INT(failed, 4);
    cursor = 0;
    s = updx_setupapi_next_open(c->setupapi, &cursor);
    CHECK(s && s->drivers.len == 1 && strcmp(*(const char **)updx_avec_at(&s->drivers, 0), "lwfmgr.sys") == 0);
    /* every deletion is kept (sections 4999, 9999, ... 29999) */
    size_t deletions = 0;
    for (size_t i = 0; i < c->setupapi->services.len; i++) {
        const updx_setupapi_service *sv = *(updx_setupapi_service **)updx_avec_at(&c->setupapi->services, i);
        CHECK(sv->name && sv->directive.text && sv->section);
        deletions += sv->op == UPDX_SA_DELETE_SERVICE;
    }
    CHECK_INT(deletions, 6);
    /* the records did not grow with the log */
    CHECK(c->setupapi->sections.len < 10100);
    updx_case_free(c);
    updx_buf_free(&b);
}

/* A log of `n` failed sections, each with `body` body lines; every 5000th deletes a service. */
static void failing_log(updx_buf *b, int n, int body)
{
    const char *head = "[Device Install Log]\n     OS Version = 10.0.19042\n[BeginLog]\n"
                       "[Boot Session: 2021/05/18 05:08:33.500]\n";
    updx_buf_add(b, head, strlen(head));
    char line[512];
    for (int i = 0; i < n; i++) {
        int k = snprintf(line, sizeof line,
                         ">>>  [Device Install (Hardware initiated) - PCI\\VEN_8086&DEV_%04X]\n"
                         ">>>  Section start 2021/05/18 05:09:22.337\n%s",
                         i & 0xFFFF, i % 5000 == 4999 ? "     dvi: DelService=old,0x200  (x.inf line 3)\n" : "");
        updx_buf_add(b, line, (size_t)k);
        for (int j = 0; j < body; j++) {
            k = snprintf(line, sizeof line, "!    dvi: Device not started: problem %d of section %d, a body line "
                         "long enough to cost something when it is kept\n", j, i);
            updx_buf_add(b, line, (size_t)k);
        }
        const char *end = "<<<  Section end 2021/05/18 05:09:22.446\n<<<  [Exit status: FAILURE(0xe0000219)]\n";
        updx_buf_add(b, end, strlen(end));
    }
    updx_buf_addc(b, '\0');
}

static size_t limit_notes(const updx_case *c, const char *file, const char *needle)
{
    size_t n = 0;
    for (size_t i = 0; i < c->notes.items.len; i++) {
        const updx_note *note = updx_note_at(&c->notes, i);
        n += note->kind == UPDX_NOTE_LIMIT && strcmp(note->file, file) == 0 && strstr(note->message, needle);
    }
    return n;
}

/* Failed sections cost memory per bundle, not per log: past 5000 records a failed section
 * that deleted no service is counted only, and kept body lines are budgeted over all logs. */
static void test_failed_sections_bounded(void)
{
    updx_buf b;
    updx_buf_init(&b, 64u << 20);
    failing_log(&b, 25000, 0);
    int rc;
    updx_case *c = parse_string("setupapi.dev.log", b.data, &rc);
    const updx_setupapi_file *f = file_at(c, 0);
    CHECK_INT(f->failed, 25000);
    CHECK(c->setupapi->failed_recorded <= 5000 + 5);
    CHECK(c->setupapi->sections_dropped >= 19995);
    CHECK_INT(limit_notes(c, "setupapi.dev.log", "counted but not recorded"), 1);
    size_t deletions = 0;
    for (size_t i = 0; i < c->setupapi->services.len; i++)
        deletions += (*(updx_setupapi_service **)updx_avec_at(&c->setupapi->services, i))->op == UPDX_SA_DELETE_SERVICE;
    CHECK_INT(deletions, 5);  /* sections 4999, 9999, ... 24999: the later ones past the cap too */
    updx_case_free(c);

    /* three logs of 2500 failed sections with 30 lines each (about 9 MB of lines each) */
    updx_buf_reset(&b);
    failing_log(&b, 2500, 30);
    c = updx_case_new("test", NULL);
    const char *names[] = {"a/setupapi.dev.log", "b/setupapi.dev.log", "setupapi.upgrade.log"};
    for (int i = 0; i < 3; i++)
        updx_setupapi_parse_mem(c, names[i], b.data, b.len - 1);
    CHECK(c->setupapi->kept_bytes <= (4u << 20));
    CHECK_INT(limit_notes(c, "a/setupapi.dev.log", "setupapi logs"), 1);
    /* the third log is past both caps: its sections are counted, not recorded */
    CHECK(limit_notes(c, "setupapi.upgrade.log", "setupapi logs") +
              limit_notes(c, "setupapi.upgrade.log", "counted but not recorded") >= 1);
    CHECK(c->arena.used < (32u << 20));
    updx_case_free(c);
    updx_buf_free(&b);
}

int main(void)
{
    RUN(test_seed_case);
    RUN(test_variants);
    RUN(test_nesting_and_crash);
    RUN(test_garbage);
    RUN(test_corpus);
    RUN(test_many_sections);
    RUN(test_failed_sections_bounded);
    return harness_exit();
}
