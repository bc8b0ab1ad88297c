# Sourced by shell tests: keep_log WHAT FILE appends FILE (when it exists) to
# $MEND_TEST_LOG_DIR/SCRIPT-WHAT.log, when that variable is set, so the logs a test would delete
# with its temporary folder (mendctl's standard error, gpsfake's messages, mend-hq's and
# PostgreSQL's logs) can be searched for personal data by tests/check-logs-private.sh. The C
# tests' helpers do the same through tests/mend-test-logs.h.
keep_log() {
  [ -n "${MEND_TEST_LOG_DIR:-}" ] && [ -f "$2" ] || return 0
  mkdir -p "$MEND_TEST_LOG_DIR" && cat "$2" >>"$MEND_TEST_LOG_DIR/$(basename "$0" .sh)-$1.log"
}
