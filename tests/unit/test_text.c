/* test_text.c: the text layer: line endings, encodings, limits, streaming and the corpus. */
#include "harness.h"

#include <fcntl.h>
#include <unistd.h>

#include "text/text.h"
#include "util/buf.h"
#include "util/source.h"
#include "updx/updx.h"

/* Reads all lines of `data` into a '|'-joined string (in a static buffer). */
static const char *join_lines(const void *data, size_t len, const updx_text_opts *opts, unsigned *flags_or)
{
    static char out[8192];
    out[0] = '\0';
    updx_text *t = NULL;
    if (updx_text_open_mem(&t, data, len, opts) != UPDX_OK)
        return "(open failed)";
    updx_line line;
    size_t n = 0;
    unsigned f = 0;
    int first = 1;
    while (updx_text_next(t, &line) > 0) {
        n += (size_t)snprintf(out + n, sizeof out - n, "%s%s", first ? "" : "|", line.text);
        f |= line.flags;
        first = 0;
        if (n >= sizeof out)
            break;
    }
    if (flags_or)
        *flags_or = f;
    updx_text_close(t);
    return out;
}

static void test_line_endings(void)
{
    CHECK_STR(join_lines("a\r\nb\nc", 7, NULL, NULL), "a|b|c");
    CHECK_STR(join_lines("a\rb\r\n", 5, NULL, NULL), "a|b");
    /* "\n\r\n": a message that ends in LF, then CRLF: an empty line between, as editors show */
    CHECK_STR(join_lines("a\n\r\nb\n", 6, NULL, NULL), "a||b");
    CHECK_STR(join_lines("", 0, NULL, NULL), "");
    CHECK_STR(join_lines("\n", 1, NULL, NULL), "");
    CHECK_STR(join_lines("x\n\n", 3, NULL, NULL), "x|");
}

static void test_numbers_and_offsets(void)
{
    const char data[] = "\xEF\xBB\xBF" "one\r\ntwo\nthree";
    updx_text *t;
    CHECK_INT(updx_text_open_mem(&t, data, sizeof data - 1, NULL), UPDX_OK);
    updx_line l;
    CHECK_INT(updx_text_next(t, &l), 1);
    CHECK_STR(l.text, "one");
    CHECK_INT(l.number, 1);
    CHECK_INT(l.offset, 3);
    CHECK_INT(updx_text_next(t, &l), 1);
    CHECK_INT(l.offset, 8);
    CHECK_INT(updx_text_next(t, &l), 1);
    CHECK_STR(l.text, "three");
    CHECK_INT(l.number, 3);
    CHECK_INT(l.offset, 12);
    CHECK_INT(updx_text_next(t, &l), 0);
    CHECK_INT(updx_text_encoding(t).encoding, UPDX_ENC_UTF8);
    CHECK(updx_text_encoding(t).bom);
    updx_text_close(t);
}

static void test_mixed_utf8_and_cp1252(void)
{
    /* a second BOM mid-file, a UTF-8 line, and a raw cp1252 (R) sign */
    const char data[] = "\xEF\xBB\xBF" "caf\xC3\xA9\r\n\xEF\xBB\xBF" "next\r\nMicrosoft\xAE Windows\r\n";
    unsigned flags;
    CHECK_STR(join_lines(data, sizeof data - 1, NULL, &flags), "caf\xC3\xA9|next|Microsoft\xC2\xAE Windows");
    CHECK(flags & UPDX_LINE_LEGACY);
    updx_text *t;
    updx_text_open_mem(&t, data, sizeof data - 1, NULL);
    updx_line l;
    while (updx_text_next(t, &l) > 0) {
    }
    updx_encoding_info e = updx_text_encoding(t);
    CHECK_INT(e.encoding, UPDX_ENC_MIXED);
    CHECK_STR(e.codepage, "CP1252");
    updx_text_close(t);
}

static void test_gbk_and_big5(void)
{
    /* "驱动程序安装失败" (driver install failed) in GBK, twice, as a setupapi line would hold it */
    const char gbk[] = "dvi: \xC7\xFD\xB6\xAF\xB3\xCC\xD0\xF2\xB0\xB2\xD7\xB0\xCA\xA7\xB0\xDC\r\n"
                       "dvi: \xC7\xFD\xB6\xAF\xB3\xCC\xD0\xF2\r\n";
    CHECK_STR(updx_codepage_guess(gbk, sizeof gbk - 1), "GB18030");
    CHECK_STR(join_lines(gbk, sizeof gbk - 1, NULL, NULL),
              "dvi: \xE9\xA9\xB1\xE5\x8A\xA8\xE7\xA8\x8B\xE5\xBA\x8F\xE5\xAE\x89\xE8\xA3\x85\xE5\xA4\xB1\xE8\xB4\xA5|"
              "dvi: \xE9\xA9\xB1\xE5\x8A\xA8\xE7\xA8\x8B\xE5\xBA\x8F");
    /* "操作順利完成。" in Big5 (cp950), as in a Traditional Chinese C:\Windows\setupact.log */
    const char big5[] = "status: \xBE\xDE\xA7\x40\xB6\xB6\xA7\x51\xA7\xB9\xA6\xA8\xA1\x43\r\n";
    CHECK_STR(updx_codepage_guess(big5, sizeof big5 - 1), "CP950");
    CHECK_STR(join_lines(big5, sizeof big5 - 1, NULL, NULL),
              "status: \xE6\x93\x8D\xE4\xBD\x9C\xE9\xA0\x86\xE5\x88\xA9\xE5\xAE\x8C\xE6\x88\x90\xE3\x80\x82");
    /* "ドライバーのインストールに失敗しました" (driver install failed) in Shift-JIS (cp932), as a
     * Japanese setupapi.dev.log holds it */
    const char sjis[] = "dvi: \x83\x68\x83\x89\x83\x43\x83\x6F\x81\x5B\x82\xCC\x83\x43\x83\x93\x83\x58\x83\x67"
                        "\x81\x5B\x83\x8B\x82\xC9\x8E\xB8\x94\x73\x82\xB5\x82\xDC\x82\xB5\x82\xBD\r\n";
    CHECK_STR(updx_codepage_guess(sjis, sizeof sjis - 1), "CP932");
    CHECK_STR(join_lines(sjis, sizeof sjis - 1, NULL, NULL),
              "dvi: \xE3\x83\x89\xE3\x83\xA9\xE3\x82\xA4\xE3\x83\x90\xE3\x83\xBC\xE3\x81\xAE\xE3\x82\xA4\xE3\x83\xB3"
              "\xE3\x82\xB9\xE3\x83\x88\xE3\x83\xBC\xE3\x83\xAB\xE3\x81\xAB\xE5\xA4\xB1\xE6\x95\x97\xE3\x81\x97"
              "\xE3\x81\xBE\xE3\x81\x97\xE3\x81\x9F");
    /* the caller can force a code page */
    updx_text_opts o = {.codepage = "CP1251"};
    CHECK_STR(join_lines("\xCF\xF0\xE8\r\n", 5, &o, NULL), "\xD0\x9F\xD1\x80\xD0\xB8");
}

static void test_cyrillic_guess(void)
{
    const char cp1251[] = "Display Name = \xC0\xF3\xE4\xE8\xEE\xF3\xF1\xF2\xF0\xEE\xE9\xF1\xF2\xE2\xEE USB\r\n";
    CHECK_STR(updx_codepage_guess(cp1251, sizeof cp1251 - 1), "CP1251");
    const char cp1252[] = "Pik\xE4kuvake Ty\xF6p\xF6yt\xE4\r\n";
    CHECK_STR(updx_codepage_guess(cp1252, sizeof cp1252 - 1), "CP1252");
}

static void test_utf16(void)
{
    const char le_bom[] = "\xFF\xFE" "R\0E\0G\0\r\0\n\0x\0=\0" "\x01\xD8" "\x37\xDC" "\n\0";
    CHECK_STR(join_lines(le_bom, sizeof le_bom - 1, NULL, NULL), "REG|x=\xF0\x90\x90\xB7");
    const char le_nobom[] = "W\0i\0n\0d\0o\0w\0s\0 \0R\0e\0g\0\r\0\n\0";
    CHECK_STR(join_lines(le_nobom, sizeof le_nobom - 1, NULL, NULL), "Windows Reg");
    const char be[] = "\xFE\xFF\0a\0b\0\n\0c";
    CHECK_STR(join_lines(be, sizeof be - 1, NULL, NULL), "ab|c");
    /* a lone surrogate becomes U+FFFD and is flagged; an odd final byte is dropped */
    const char bad[] = "\xFF\xFE" "a\0\x00\xDC" "b\0" "Z";
    unsigned flags;
    CHECK_STR(join_lines(bad, sizeof bad - 1, NULL, &flags), "a\xEF\xBF\xBD" "b");
    CHECK(flags & UPDX_LINE_REPLACED);
}

static void test_nul_runs_and_cut(void)
{
    const char data[] = "dvi: waiting\0\0\0\0\r\nend";
    unsigned flags;
    CHECK_STR(join_lines(data, sizeof data - 1, NULL, &flags), "dvi: waiting|end");
    CHECK(flags & UPDX_LINE_NUL);
    updx_text_opts o = {.max_line_bytes = 4};
    CHECK_STR(join_lines("abcdefgh\nxy\n", 12, &o, &flags), "abcd|xy");
    CHECK(flags & UPDX_LINE_CUT);
}

static void test_sniff(void)
{
    CHECK_INT(updx_encoding_sniff("MDMP\x93\xa7\0\0\x01\0\0\0\0\0\0\0\x02\x03\x04", 19).encoding, UPDX_ENC_BINARY);
    CHECK_INT(updx_encoding_sniff("hello\r\n", 7).encoding, UPDX_ENC_ASCII);
    CHECK_INT(updx_encoding_sniff("\xEF\xBB\xBFhi", 5).encoding, UPDX_ENC_UTF8);
    CHECK_INT(updx_encoding_sniff("h\0i\0", 4).encoding, UPDX_ENC_UTF16LE);
    CHECK(updx_utf8_valid("\xE4\xB8\xAD", 3));
    CHECK(!updx_utf8_valid("\xC0\xAF", 2));       /* overlong */
    CHECK(!updx_utf8_valid("\xED\xA0\x80", 3));   /* surrogate */
}

/* Reads data from memory and as a stream handed out `step` bytes at a time; true when both
 * give the same lines (text, offsets, flags, a NUL after each). *lines gets their count. */
static bool stream_matches_memory(const void *data, size_t len, size_t step, const updx_text_opts *o,
                                  uint64_t *lines)
{
    updx_mem_source ms;
    updx_source src = updx_source_mem_pieces(&ms, data, len, step);
    updx_text *ts = NULL, *tm = NULL;
    updx_text_open(&ts, &src, o);
    updx_text_open_mem(&tm, data, len, o);
    updx_line x, y;
    int rx, ry;
    bool same = ts && tm;
    *lines = 0;
    do {
        rx = updx_text_next(ts, &x);
        ry = updx_text_next(tm, &y);
        if (rx != ry || (rx > 0 && (x.len != y.len || x.offset != y.offset || x.flags != y.flags ||
                                     memcmp(x.text, y.text, x.len) != 0 || x.text[x.len] != '\0')))
            same = false;
        *lines += rx > 0;
    } while (rx > 0 && ry > 0 && same);
    updx_text_close(ts);
    updx_text_close(tm);
    return same;
}

static void test_streaming_matches_memory(void)
{
    /* a file larger than one block with a very long line, CRLFs split across reads */
    size_t len = (3u << 20) + 123;
    char *data = malloc(len);
    for (size_t i = 0; i < len; i++)
        data[i] = (char)('a' + i % 26);
    for (size_t i = 1000; i < len; i += 997) {
        data[i] = '\r';
        data[i + 1] = '\n';
    }
    memset(data + 5000, 'L', 2u << 20); /* a 2 MiB line: longer than the 1 MiB block */
    static const size_t steps[] = {7, 4099, 65537, 1u << 21};
    for (size_t si = 0; si < sizeof steps / sizeof steps[0]; si++) {
        uint64_t lines = 0;
        CHECK(stream_matches_memory(data, len, steps[si], NULL, &lines));
        CHECK(lines > 1000);
    }
    free(data);
}

/* Lines of every length up to 70 with a NUL, UTF-8, CP1252 or no special byte at every
 * position and LF, CRLF or CR endings: the streamed reader, which splits and judges bytes in
 * one sweep and hands plain lines out in place, must give what the memory reader gives. */
static void test_streamed_byte_classes(void)
{
    updx_buf b;
    updx_buf_init(&b, 1 << 16);
    static const char *specials[] = {"", "\0", "\xC3\xA9", "\xE9"};
    static const size_t special_len[] = {0, 1, 2, 1};
    static const char *ends[] = {"\n", "\r\n", "\r"};
    unsigned k = 0;
    for (size_t len = 0; len <= 70; len++) {
        for (size_t at = 0; at <= len; at += 3) {
            for (size_t s = 0; s < 4; s++, k++) {
                for (size_t i = 0; i < len; i++) {
                    if (i == at)
                        updx_buf_add(&b, specials[s], special_len[s]);
                    updx_buf_addc(&b, (char)('A' + (i + k) % 26));
                }
                updx_buf_add(&b, ends[k % 3], strlen(ends[k % 3]));
            }
        }
    }
    static const size_t steps[] = {7, 65537};
    updx_text_opts o = {.codepage = "CP1252"};
    for (size_t si = 0; si < 2; si++) {
        uint64_t lines = 0;
        CHECK(stream_matches_memory(b.data, b.len, steps[si], &o, &lines));
        CHECK(lines > k / 2);  /* a CR ending then an empty LF line make one CRLF */
    }
    updx_buf_free(&b);
}

/* A source that hands out one byte per read must not change how the encoding is judged:
 * the first read once decided UTF-16 or bytes alone (found by fuzz_text). */
static void test_sniff_over_tiny_reads(void)
{
    static const char le[] = "\xFF\xFE" "a\0b\0\r\0\n\0c\0";
    static const char le_nobom[] = "S\0e\0t\0u\0p\0 \0l\0o\0g\0\n\0n\0e\0x\0t\0";
    const char *in[] = {le, le_nobom};
    size_t len[] = {sizeof le - 1, sizeof le_nobom - 1};
    for (int i = 0; i < 2; i++) {
        uint64_t lines = 0;
        CHECK(stream_matches_memory(in[i], len[i], 1, NULL, &lines));
        updx_mem_source ms;
        updx_source src = updx_source_mem_pieces(&ms, in[i], len[i], 1);
        updx_text *ts = NULL;
        updx_line x;
        updx_text_open(&ts, &src, NULL);
        CHECK(updx_text_next(ts, &x) == 1 && updx_text_encoding(ts).encoding == UPDX_ENC_UTF16LE);
        updx_text_close(ts);
    }
}

static void test_corpus_files(void)
{
    const char *corpus = harness_corpus();
    if (!corpus) {
        fprintf(stderr, "skip: corpus files (../shared/corpus absent)\n");
        return;
    }
    /* what each real file must decode as, checked by reading them */
    static const struct {
        const char *path, *encoding;
        const char *contains; /* a line that must come out exactly so */
    } cases[] = {
        {"logs/silvermaz-24h2-upgrade/SetupAct.log", "utf-8+cp1252", NULL},
        {"logs/ricka-diskprov-50013/setupact.log", "utf-8+cp1252", NULL},
        {"logs/chinte8688-windir-big5/setupact.log", "cp950",
         "[04/10/2020 20:20.04.648] WudfCoInstaller: Final status: error(0) \xE6\x93\x8D\xE4\xBD\x9C\xE9\xA0\x86\xE5\x88\xA9\xE5\xAE\x8C\xE6\x88\x90\xE3\x80\x82"},
        {"logs/ttx-setupapi-cp1251/setupapi.dev.log", "cp1251", NULL},
        {"logs/plaso-setupapi-10240/setupapi.dev.log", "ascii", "[Device Install Log]"},
        {"logs/baslr-w10-rollback/Panther/setuperr.log", "utf-8-bom", NULL},
    };
    char path[4096], enc[64];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", corpus, cases[i].path);
        int fd = open(path, O_RDONLY);
        CHECK(fd >= 0);
        if (fd < 0)
            continue;
        updx_source src = updx_source_fd(&fd);
        updx_text *t;
        updx_text_open(&t, &src, NULL);
        updx_line l;
        int found = cases[i].contains == NULL;
        while (updx_text_next(t, &l) > 0)
            if (cases[i].contains && strcmp(l.text, cases[i].contains) == 0)
                found = 1;
        CHECK_STR(updx_encoding_describe(updx_text_encoding(t), enc, sizeof enc), cases[i].encoding);
        CHECK(found);
        updx_text_close(t);
        close(fd);
    }
}

int main(void)
{
    RUN(test_line_endings);
    RUN(test_numbers_and_offsets);
    RUN(test_mixed_utf8_and_cp1252);
    RUN(test_gbk_and_big5);
    RUN(test_cyrillic_guess);
    RUN(test_utf16);
    RUN(test_nul_runs_and_cut);
    RUN(test_sniff);
    RUN(test_streaming_matches_memory);
    RUN(test_streamed_byte_classes);
    RUN(test_sniff_over_tiny_reads);
    RUN(test_corpus_files);
    return harness_exit();
}
