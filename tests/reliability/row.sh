# Sourced by shell tests: reliability_row FAULT TRIES OUTCOME appends one row for
# docs/RELIABILITY.md to $MEND_RELIABILITY_LOG, when it is set (see tests/mend-test-reliability.h
# for what the fields mean). OUTCOME is "nothing lost" or "refused with a message".
reliability_row() {
  [ -n "${MEND_RELIABILITY_LOG:-}" ] || return 0
  jq -cn --arg fault "$1" --argjson tries "$2" --arg outcome "$3" \
    --arg test "$(basename "${MEND_RELIABILITY_TEST:-$0}")" \
    '{fault: $fault, tries: $tries, outcome: $outcome, test: $test}' >>"$MEND_RELIABILITY_LOG"
}
