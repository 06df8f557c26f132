/* test_remedy.c: remediation plans (steps, safety with class filters) and generated scripts. */
#include "harness.h"

#include "model/finding.h"
#include "remedy/plan.h"
#include "remedy/scripts.h"
#include "rules/rules.h"

static updx_finding *seed_finding(updx_case *c)
{
    updx_finding *f = updx_finding_new(&c->arena, &c->findings, "boot-driver-crash");
    f->culprit = (updx_culprit){.kind = "driver", .name = "lwfmgr.sys", .service = "lwfmgr", .owner = "TMS"};
    f->title.en = "lwfmgr.sys crashed the new Windows at boot";
    f->remediation.plan = "disable-boot-driver";
    return f;
}

static size_t count_steps_containing(const updx_finding *f, const char *needle, int zh)
{
    size_t n = 0;
    for (size_t i = 0; i < f->remediation.steps.len; i++) {
        const updx_i18n *s = updx_avec_at(&f->remediation.steps, i);
        n += strstr(zh ? s->zh : s->en, needle) != NULL;
    }
    return n;
}

static void test_seed_plan(void)
{
    updx_case *c = updx_case_new("seed", NULL);
    updx_finding *f = seed_finding(c);
    updx_plan_context ctx = {.start_value = "1", .second_service = "vwifimf"};
    CHECK_INT(updx_plan_apply(&c->arena, f, &ctx), UPDX_OK);
    /* the seed expert's steps: Start=4, upgrade, check it is back to 1, then the second driver */
    CHECK(count_steps_containing(f, "Start of HKLM\\SYSTEM\\CurrentControlSet\\Services\\lwfmgr to 4", 0) == 1);
    CHECK(count_steps_containing(f, "Start is back to 1", 0) == 1);
    CHECK(count_steps_containing(f, "do the same for vwifimf", 0) == 1);
    CHECK(count_steps_containing(f, "Start 值改为 4", 1) == 1);
    CHECK(count_steps_containing(f, "0x7B", 0) == 0); /* no filter listed: no filter step */
    CHECK_INT(f->remediation.registry.len, 1);
    const updx_reg_change *r = updx_avec_at(&f->remediation.registry, 0);
    CHECK_STR(r->key, "HKLM\\SYSTEM\\CurrentControlSet\\Services\\lwfmgr");
    CHECK_STR(r->value, "Start");
    CHECK_STR(r->set, "4");
    CHECK_STR(r->restore, "1");
    CHECK_INT(f->remediation.warnings.len, 0);
    updx_case_free(c);
}

static void test_filter_listed_is_removed_first(void)
{
    updx_case *c = updx_case_new("seed", NULL);
    updx_finding *f = seed_finding(c);
    updx_filter_ref ref = {.class_key = "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Class\\{4d36e972-e325-11ce-bfc1-08002be10318}",
                           .class_name = "Net", .value = "UpperFilters", .current = "lwfmgr\nother", .without = "other"};
    updx_plan_context ctx = {.filters = &ref, .nfilters = 1};
    CHECK_INT(updx_plan_apply(&c->arena, f, &ctx), UPDX_OK);
    CHECK(count_steps_containing(f, "0x7B", 0) == 1);
    CHECK_INT(f->remediation.registry.len, 2);
    const updx_reg_change *first = updx_avec_at(&f->remediation.registry, 0);
    CHECK_STR(first->value, "UpperFilters");
    CHECK_STR(first->set, "other");
    CHECK_STR(first->restore, "lwfmgr\nother");
    const updx_reg_change *second = updx_avec_at(&f->remediation.registry, 1);
    CHECK_STR(second->value, "Start");
    CHECK(second->restore == NULL); /* not in the bundle: the scripts back it up */
    CHECK_INT(f->remediation.warnings.len, 2);
    CHECK(count_steps_containing(f, "value saved in the backup", 0) == 1);
    updx_case_free(c);
}

static void test_unknown_plan_and_params(void)
{
    updx_case *c = updx_case_new("x", NULL);
    updx_finding *f = updx_finding_new(&c->arena, &c->findings, "disk");
    f->remediation.plan = "no-such-plan";
    CHECK_INT(updx_plan_apply(&c->arena, f, NULL), UPDX_ERR_FORMAT);
    f->remediation.plan = "free-disk-space";
    updx_param *p = updx_avec_push(&f->remediation.params, &c->arena);
    p->key = "required_mb";
    p->value = "10240";
    CHECK_INT(updx_plan_apply(&c->arena, f, NULL), UPDX_OK);
    CHECK(count_steps_containing(f, "at least 10240 MB", 0) == 1);
    CHECK(count_steps_containing(f, "about 20 GB", 0) == 0);
    CHECK_INT(f->remediation.registry.len, 0);
    /* a rule's driver: parameter names the driver when the finding has no culprit */
    updx_finding *g = updx_finding_new(&c->arena, &c->findings, "driver");
    g->remediation.plan = "update-driver";
    p = updx_avec_push(&g->remediation.params, &c->arena);
    p->key = "driver";
    p->value = "acmeflt.sys";
    CHECK_INT(updx_plan_apply(&c->arena, g, NULL), UPDX_OK);
    CHECK(count_steps_containing(g, "newest driver for acmeflt.sys", 0) == 1);
    updx_case_free(c);
}

static const char *file_text(const updx_remedy_files *files, const char *name)
{
    for (size_t i = 0; i < files->count; i++)
        if (strcmp(files->files[i].name, name) == 0)
            return files->files[i].content.data;
    return NULL;
}

static void test_scripts(void)
{
    updx_case *c = updx_case_new("seed", NULL);
    updx_finding *f = seed_finding(c);
    updx_filter_ref ref = {.class_key = "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Class\\{x}", .value = "UpperFilters",
                           .current = "lwfmgr", .without = ""};
    updx_plan_context ctx = {.start_value = "1", .filters = &ref, .nfilters = 1};
    updx_plan_apply(&c->arena, f, &ctx);
    updx_remedy_files files;
    CHECK_INT(updx_remedy_build(f, "seed.zip", "0.1.0", &files), UPDX_OK);
    const char *apply = file_text(&files, "apply.reg");
    const char *restore = file_text(&files, "restore.reg");
    const char *cmd = file_text(&files, "updx-remedy.cmd");
    const char *ps1 = file_text(&files, "updx-remedy.ps1");
    CHECK(apply && strstr(apply, "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\lwfmgr]\r\n\"Start\"=dword:00000004"));
    CHECK(apply && strstr(apply, "\"UpperFilters\"=hex(7):00,00,00,00"));
    CHECK(restore && strstr(restore, "\"Start\"=dword:00000001"));
    CHECK(restore && strstr(restore, "\"UpperFilters\"=hex(7):6c,00,77,00,66,00,6d,00,67,00,72,00,00,00,00,00"));
    /* refuses when the key is missing, keeps the first backup, verifies against 0x1 */
    CHECK(cmd && strstr(cmd, "is missing on this machine\"& exit /b 2"));
    CHECK(cmd && strstr(cmd, "if not exist \"%HERE%updx-backup-1.reg\""));
    CHECK(cmd && strstr(cmd, "if /i \"!CUR!\"==\"0x1\""));
    CHECK(ps1 && strstr(ps1, "Name = 'Start'; Type = 'DWord'; Set = 4; Restore = 1"));
    CHECK(ps1 && strstr(ps1, "Set = @(); Restore = @('lwfmgr')"));
    CHECK(ps1 && strstr(ps1, "backup exists already; keeping it"));
    updx_remedy_files_free(&files);
    updx_finding *empty = updx_finding_new(&c->arena, &c->findings, "none");
    CHECK_INT(updx_remedy_build(empty, "x", "0", &files), UPDX_ERR_ARG);
    updx_case_free(c);
}

/* every plan a built-in rule names must exist, or its finding would come without steps */
static void test_rule_plans_exist(void)
{
    updx_ruleset *rs = updx_rules_load_builtin(NULL);
    CHECK(rs != NULL);
    size_t named = 0;
    for (size_t i = 0; rs && i < updx_rules_count(rs); i++) {
        const char *plan = updx_rule_plan(updx_rules_at(rs, i));
        if (!plan)
            continue;
        named++;
        if (!updx_plan_exists(plan))
            fprintf(stderr, "rule %s names unknown plan %s\n", updx_rule_id(updx_rules_at(rs, i)), plan);
        CHECK(updx_plan_exists(plan));
    }
    CHECK(named > 10);
    updx_rules_free(rs);
}

int main(void)
{
    RUN(test_rule_plans_exist);
    RUN(test_seed_plan);
    RUN(test_filter_listed_is_removed_first);
    RUN(test_unknown_plan_and_params);
    RUN(test_scripts);
    return harness_exit();
}
