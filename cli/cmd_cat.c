/* cmd_cat.c: `updx cat`: prints any text member as UTF-8 lines, whatever it was written in. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "text/text.h"
#include "updx/updx.h"

static const char cat_usage[] =
    "usage: updx cat [--codepage CP] [--number] FILE...\n"
    "\n"
    "Prints each FILE as UTF-8 text the way updx reads it: per-line decoding of mixed\n"
    "UTF-8 and ANSI logs, UTF-16 with or without BOM, NULs and BOMs dropped, any line ending.\n"
    "\n"
    "  --codepage CP  decode lines that are not UTF-8 with CP (GB18030, CP950, CP1251,\n"
    "                 CP1252, ...; any iconv name) instead of guessing\n"
    "  --number       prefix each line with its line number and byte offset\n"
    "  --encoding     print only the encoding found, one line per file\n";

static int cat_one(const char *path, const updx_text_opts *opts, int number, int only_encoding)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "updx cat: cannot open '%s'\n", path);
        return CLI_UNREADABLE;
    }
    updx_source src = updx_source_fd(&fd);
    updx_text *t = NULL;
    int rc = updx_text_open(&t, &src, opts);
    if (rc != UPDX_OK) {
        close(fd);
        fprintf(stderr, "updx cat: '%s': %s\n", path, updx_status_str(rc));
        return CLI_FAIL;
    }
    updx_line line;
    while ((rc = updx_text_next(t, &line)) > 0) {
        if (only_encoding)
            continue;
        if (number)
            printf("%6" PRIu64 " @%-9" PRIu64 " ", line.number, line.offset);
        fwrite(line.text, 1, line.len, stdout);
        fputc('\n', stdout);
    }
    if (rc < 0)
        fprintf(stderr, "updx cat: '%s': read error: %s\n", path, updx_status_str(rc));
    char enc[64];
    uint64_t cut, legacy, replaced;
    updx_text_counts(t, &cut, &legacy, &replaced);
    updx_encoding_describe(updx_text_encoding(t), enc, sizeof enc);
    if (only_encoding)
        printf("%s\t%s\t%" PRIu64 " legacy lines\t%" PRIu64 " lines with replacements\n", path, enc,
               legacy, replaced);
    else if (cut || replaced)
        fprintf(stderr, "updx cat: '%s' (%s): %" PRIu64 " lines cut, %" PRIu64 " with undecodable bytes\n",
                path, enc, cut, replaced);
    updx_text_close(t);
    close(fd);
    return rc < 0 ? CLI_FAIL : CLI_OK;
}

static int cat_run(int argc, char **argv)
{
    updx_text_opts opts = {0};
    int number = 0, only_encoding = 0, first = 1;
    for (; first < argc && argv[first][0] == '-' && argv[first][1]; first++) {
        if (strcmp(argv[first], "--number") == 0 || strcmp(argv[first], "-n") == 0)
            number = 1;
        else if (strcmp(argv[first], "--encoding") == 0)
            only_encoding = 1;
        else if (strcmp(argv[first], "--codepage") == 0 && first + 1 < argc)
            opts.codepage = argv[++first];
        else if (strcmp(argv[first], "--") == 0) {
            first++;
            break;
        } else
            return cli_usage_error("cat", "unknown option '%s'", argv[first]);
    }
    if (first >= argc)
        return cli_usage_error("cat", "no FILE given");
    int worst = CLI_OK;
    for (int i = first; i < argc; i++) {
        int rc = cat_one(argv[i], &opts, number, only_encoding);
        if (rc > worst)
            worst = rc;
    }
    return worst;
}

const cli_command cmd_cat = {
    .name = "cat",
    .summary = "print any text file as UTF-8 lines, as updx decodes it",
    .usage = cat_usage,
    .run = cat_run,
};
