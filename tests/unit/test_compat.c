/* test_compat.c: CompatData / ScanResult / APPRAISER_HumanReadable XML. No real file exists
 * in the corpus, so the fixtures are written here from the shapes Microsoft documents
 * (setupdiag.md 3.1, corpus.md 2.4, known-blockers.md 1.2). */
#include "harness.h"

#include "logs/compat.h"

static const char compatdata[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<CompatReport xmlns=\"http://www.microsoft.com/ApplicationExperience/UpgradeAdvisor/01012009\">\n"
    "  <System><SystemInfo OSVersion=\"10.0.19044\"/></System>\n"
    "  <Hardware>\n"
    "    <HardwareItem HardwareType=\"Setup_HardwareIncompatibilityDetected\">\n"
    "      <CompatibilityInfo BlockingType=\"Hard\" Message=\"This PC can't run Windows 11\"/>\n"
    "    </HardwareItem>\n"
    "  </Hardware>\n"
    "  <DriverPackages>\n"
    "    <DriverPackage Inf=\"oem471.inf\" BlockMigration=\"False\" HasSignedBinaries=\"True\"/>\n"
    "    <DriverPackage Inf=\"oem12.inf\" BlockMigration=\"True\" HasSignedBinaries=\"False\"/>\n"
    "  </DriverPackages>\n"
    "  <Programs>\n"
    "    <Program Name=\"TMS Terminal Agent\" Id=\"0000f519feec486de87ed73cb92d3cac802400000000\" Version=\"3.2.1\">\n"
    "      <CompatibilityInfo BlockingType=\"Hard\" StatusDetail=\"UpgradeBlock\" Message=\"Uninstall this app now because it isn't compatible with Windows.\"/>\n"
    "    </Program>\n"
    "    <Program Name=\"Old VPN Client\" Id=\"x1\">\n"
    "      <CompatibilityInfo BlockingType=\"Soft\" StatusDetail=\"WarnUpgrade\" Message=\"Reinstall after upgrade\"/>\n"
    "    </Program>\n"
    "    <Program Name=\"Notepad++\" Id=\"x2\"><CompatibilityInfo BlockingType=\"None\"/></Program>\n"
    "  </Programs>\n"
    "</CompatReport>\n";

/* the same report re-serialised with a prefix, in UTF-16LE with a BOM */
static const char scanresult_prefixed[] =
    "<?xml version=\"1.0\" encoding=\"UTF-16\"?>"
    "<ua:CompatReport xmlns:ua=\"http://www.microsoft.com/ApplicationExperience/UpgradeAdvisor/01012009\">"
    "<ua:Devices><ua:Device DeviceInstanceId=\"PCI\\VEN_8086&amp;DEV_8C20\" Model=\"Intel Display Audio\">"
    "<ua:CompatibilityInfo BlockingType=\"Hard\" StatusDetail=\"UpgradeBlock\"/></ua:Device></ua:Devices>"
    "</ua:CompatReport>";

static const char appraiser[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<WicaRun>\n"
    " <RunInfos><RunInfo><Component TypeIdentifier=\"Appraiser\"/></RunInfo></RunInfos>\n"
    " <Assets>\n"
    "  <Asset>\n"
    "   <PropertyList Type=\"Inventory\">\n"
    "    <Property Name=\"LowerCaseLongPathUnexpanded\" Value=\"c:\\windows\\system32\\drivers\\intcaudiobus.sys\"/>\n"
    "    <Property Name=\"BinProductVersion\" Value=\"10.29.0.5151\"/>\n"
    "   </PropertyList>\n"
    "   <PropertyList Type=\"DataSource\">\n"
    "    <Property Name=\"SdbAppraiserData\" Value=\"GatedBlock\"/>\n"
    "    <Property Name=\"SdbAppName\" Value=\"Intel Smart Sound Technology\"/>\n"
    "    <Property Name=\"SdbEntryGuid\" Value=\"{1bd93e0a-6dc5-4e4b-8c6a-0f0a0e3a3c11}\"/>\n"
    "    <Property Name=\"SdbAppraiserData_GatedBlockId\" Value=\"25178825\"/>\n"
    "   </PropertyList>\n"
    "   <PropertyList Type=\"DecisionMaker\">\n"
    "    <Property Name=\"DT_ANY_FMC_BlockingApplication\" Value=\"FALSE\"/>\n"
    "   </PropertyList>\n"
    "  </Asset>\n"
    "  <Asset>\n"
    "   <PropertyList Type=\"Inventory\">\n"
    "    <Property Name=\"LowerCaseLongPathUnexpanded\" Value=\"c:\\program files\\tms\\lwfmgr.exe\"/>\n"
    "   </PropertyList>\n"
    "   <PropertyList Type=\"DecisionMaker\">\n"
    "    <Property Name=\"DT_ANY_FMC_BlockingApplication\" Value=\"TRUE\"/>\n"
    "   </PropertyList>\n"
    "  </Asset>\n"
    "  <Asset><PropertyList Type=\"Inventory\"><Property Name=\"LowerCaseLongPathUnexpanded\" Value=\"c:\\ok.exe\"/></PropertyList></Asset>\n"
    " </Assets>\n"
    " <Indicators RedReason=\"None\" GatedBlockId=\"25178825\" UpgEx=\"Red\"/>\n"
    "</WicaRun>\n";

static void test_compatdata(void)
{
    updx_case *c = updx_case_new("t", NULL);
    CHECK_INT(updx_compat_parse_mem(c, "Panther/CompatData_2022_05_05_16_10_11_0_00.xml", compatdata, sizeof compatdata - 1),
              UPDX_OK);
    const updx_compat_file *file = *(updx_compat_file **)updx_avec_at(&c->compat->files, 0);
    CHECK_STR(file->report_kind, "compatdata");
    CHECK_STR(file->ns, "http://www.microsoft.com/ApplicationExperience/UpgradeAdvisor/01012009");
    CHECK_INT(file->hard, 2);
    CHECK_INT(file->soft, 1);
    CHECK_INT(file->no_migration, 1);
    CHECK_INT(file->items_seen, 6);
    size_t cur = 0;
    const updx_compat_item *it = updx_compat_next_block(c->compat, UPDX_COMPAT_HARD, &cur);
    CHECK(it && it->kind == UPDX_COMPAT_DEVICE);
    if (it) {
        CHECK_STR(it->hardware_type, "Setup_HardwareIncompatibilityDetected");
        CHECK_INT(it->line, 5);
    }
    it = updx_compat_next_block(c->compat, UPDX_COMPAT_HARD, &cur);
    CHECK(it && it->kind == UPDX_COMPAT_PROGRAM);
    if (it) {
        CHECK_STR(it->name, "TMS Terminal Agent");
        CHECK_STR(it->version, "3.2.1");
        CHECK_STR(it->status_detail, "UpgradeBlock");
        CHECK_STR(it->message, "Uninstall this app now because it isn't compatible with Windows.");
    }
    cur = 0;
    it = updx_compat_next_block(c->compat, UPDX_COMPAT_NO_MIGRATION, &cur);
    CHECK(it && it->kind == UPDX_COMPAT_DRIVER_PACKAGE && strcmp(it->name, "oem12.inf") == 0);
    if (it) {
        CHECK(it->signed_known && !it->has_signed_binaries);
        CHECK_INT(it->line, 11);
    }
    json_t *j = updx_compat_to_json(c);
    char *s = json_dumps(j, JSON_SORT_KEYS);
    CHECK(s && strstr(s, "\"block\": \"no_migration\""));
    free(s);
    json_decref(j);
    updx_case_free(c);
}

static void test_prefixed_utf16(void)
{
    /* UTF-16LE with BOM, as some tools save it */
    size_t n = sizeof scanresult_prefixed - 1;
    unsigned char *u16 = malloc(2 + 2 * n);
    u16[0] = 0xFF;
    u16[1] = 0xFE;
    for (size_t i = 0; i < n; i++) {
        u16[2 + 2 * i] = (unsigned char)scanresult_prefixed[i];
        u16[3 + 2 * i] = 0;
    }
    updx_case *c = updx_case_new("t", NULL);
    CHECK_INT(updx_compat_parse_mem(c, "Panther/ScanResult.xml", u16, 2 + 2 * n), UPDX_OK);
    size_t cur = 0;
    const updx_compat_item *it = updx_compat_next_block(c->compat, UPDX_COMPAT_HARD, &cur);
    CHECK(it != NULL);
    if (it) {
        CHECK_INT(it->kind, UPDX_COMPAT_DEVICE);
        CHECK_STR(it->name, "Intel Display Audio");
        CHECK_STR(it->id, "PCI\\VEN_8086&DEV_8C20");
    }
    const updx_compat_file *file = *(updx_compat_file **)updx_avec_at(&c->compat->files, 0);
    CHECK_STR(file->report_kind, "scanresult");
    free(u16);
    updx_case_free(c);
}

static void test_appraiser(void)
{
    updx_case *c = updx_case_new("t", NULL);
    CHECK_INT(updx_compat_parse_mem(c, "Panther/0a1b_APPRAISER_HumanReadable.xml", appraiser, sizeof appraiser - 1),
              UPDX_OK);
    const updx_compat_file *file = *(updx_compat_file **)updx_avec_at(&c->compat->files, 0);
    CHECK_STR(file->report_kind, "appraiser");
    CHECK_INT(file->items_seen, 3);
    CHECK_INT(file->safeguards, 1);
    CHECK_INT(file->hard, 1);
    CHECK_INT(c->compat->items.len, 2);
    const updx_compat_item *it = *(updx_compat_item **)updx_avec_at(&c->compat->items, 0);
    CHECK(it->safeguard);
    CHECK_STR(it->gated_block_id, "25178825");
    CHECK_STR(it->name, "c:\\windows\\system32\\drivers\\intcaudiobus.sys");
    CHECK_STR(it->version, "10.29.0.5151");
    CHECK_STR(it->message, "Intel Smart Sound Technology");
    CHECK_INT(it->block, UPDX_COMPAT_NONE);
    it = *(updx_compat_item **)updx_avec_at(&c->compat->items, 1);
    CHECK_INT(it->block, UPDX_COMPAT_HARD);
    CHECK_STR(it->name, "c:\\program files\\tms\\lwfmgr.exe");
    /* indicators: the GatedBlockId property, then the attributes (RedReason=None skipped) */
    CHECK_INT(c->compat->indicators.len, 3);
    const updx_compat_indicator *ind = updx_avec_at(&c->compat->indicators, 2);
    CHECK_STR(ind->name, "UpgEx");
    CHECK_STR(ind->value, "Red");
    CHECK_INT(ind->line, 30); /* <Indicators> is the 30th line */
    updx_case_free(c);
}

static void test_hostile(void)
{
    static const char bomb[] =
        "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>"
        "<CompatReport><Program Name=\"&b;\"><CompatibilityInfo BlockingType=\"Hard\"/></Program></CompatReport>";
    static const char xxe[] = "<?xml version=\"1.0\"?><!DOCTYPE r SYSTEM \"http://example.invalid/x.dtd\">"
                              "<CompatReport><Program Name=\"x\"><CompatibilityInfo BlockingType=\"Hard\"/></Program></CompatReport>";
    static const char cut[] = "<CompatReport><Programs><Program Name=\"Half\"><CompatibilityInfo BlockingType=\"Hard\"/>"
                              "</Program><Program Na";
    updx_case *c = updx_case_new("t", NULL);
    CHECK_INT(updx_compat_parse_mem(c, "CompatData_bomb.xml", bomb, sizeof bomb - 1), UPDX_ERR_FORMAT);
    CHECK_INT(c->compat->items.len, 0);
    CHECK_INT(updx_compat_parse_mem(c, "CompatData_xxe.xml", xxe, sizeof xxe - 1), UPDX_OK);
    CHECK_INT(c->compat->items.len, 1);
    CHECK_INT(updx_compat_parse_mem(c, "CompatData_cut.xml", cut, sizeof cut - 1), UPDX_PARTIAL);
    CHECK_INT(c->compat->items.len, 2);
    CHECK_INT(updx_compat_parse_mem(c, "CompatData_empty.xml", "", 0), UPDX_ERR_FORMAT);
    CHECK(updx_notes_count(&c->notes, UPDX_NOTE_DAMAGED) >= 3);
    updx_case_free(c);
}

int main(void)
{
    RUN(test_compatdata);
    RUN(test_prefixed_utf16);
    RUN(test_appraiser);
    RUN(test_hostile);
    return harness_exit();
}
