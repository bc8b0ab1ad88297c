# Sourced by shell tests: reliability_row FAULT TRIES OUTCOME [COMMAND] appends one row for
# docs/RELIABILITY.md to $MEND_RELIABILITY_LOG, when it is set (see tests/mend-test-reliability.h
# for what the fields mean). OUTCOME is "nothing lost" or "refused with a message". COMMAND,
# when given, is what reproduces the row; otherwise the report names the script that wrote it.
reliability_row() {
  [ -n "${MEND_RELIABILITY_LOG:-}" ] || return 0
  jq -cn --arg fault "$1" --argjson tries "$2" --arg outcome "$3" \
    --arg test "$(basename "${MEND_RELIABILITY_TEST:-$0}")" --arg command "${4:-}" \
    '{fault: $fault, tries: $tries, outcome: $outcome, test: $test}
     + (if $command == "" then {} else {command: $command} end)' >>"$MEND_RELIABILITY_LOG"
}
