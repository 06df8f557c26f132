/* harness.c: anchors the test-support library so that it is never empty; helpers shared by
 * tests live in tests/support/. */
int updx_testsupport_anchor(void);
int updx_testsupport_anchor(void)
{
    return 0;
}
