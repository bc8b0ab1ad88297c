/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The domain rules: pure functions, the one source of truth for what may be recorded and how
 * many minutes a session credits. The store, mendctl, the UI and HQ all call these. */
#pragma once

#include <glib.h>

#include "mend-types.h"

G_BEGIN_DECLS

#define MEND_RULE_ERROR (mend_rule_error_quark ())

/* Each refusal has a code and a stable dotted name (mend_rule_name()) that messages quote. */
typedef enum
{
  MEND_RULE_UNKNOWN_SESSION,
  MEND_RULE_UNKNOWN_PARTICIPANT,
  MEND_RULE_NOT_ASSIGNED,
  MEND_RULE_SESSION_NOT_STARTED,
  MEND_RULE_SESSION_ALREADY_STARTED,
  MEND_RULE_SESSION_ENDED,
  MEND_RULE_SESSION_PEOPLE_ON_SITE,
  MEND_RULE_ALREADY_CHECKED_IN,
  MEND_RULE_MARKED_ABSENT,
  MEND_RULE_NOT_CHECKED_IN,
  MEND_RULE_ALREADY_CHECKED_OUT,
  MEND_RULE_ALREADY_BRIEFED,
  MEND_RULE_UNKNOWN_OUTCOME,
  MEND_RULE_FINISH_BEFORE_ARRIVAL,
  MEND_RULE_PENALTY_NEGATIVE,
  MEND_RULE_PENALTY_TOO_LONG,
  MEND_RULE_NOTES_TOO_LONG,
  MEND_RULE_BAD_RATING,
  MEND_RULE_ABSENT_AFTER_CHECK_IN,
  MEND_RULE_ALREADY_ABSENT,
  MEND_RULE_UNKNOWN_CATEGORY,
  MEND_RULE_TALLY_ZERO_DELTA,
  MEND_RULE_TALLY_BELOW_ZERO,
  MEND_RULE_UNKNOWN_EVENT,
  MEND_RULE_VOID_NEEDS_REASON,
  MEND_RULE_VOID_OF_VOID,
  MEND_RULE_ALREADY_VOIDED,
  MEND_RULE_VOID_LATER_RECORDS,
  MEND_RULE_OUTSIDE_NEEDS_REASON,
  MEND_RULE_ALERT_DETAILS_TOO_LONG,
  MEND_RULE_ALERT_DETAILS_WITHOUT_ALERT,
  MEND_RULE_N_RULES,
} MendRule;

/* Notes longer than this are refused, in characters (not bytes). */
#define MEND_NOTES_MAX_CHARS 4000
/* A referrer alert's details are a short message; the full account belongs in the notes. The
 * longest details and the longest note, both sealed, still fit one event's payload (sync/
 * PROTOCOL.md section 8). */
#define MEND_ALERT_DETAILS_MAX_CHARS 500

/* What the store knows about one person at one session when a command arrives. */
typedef struct
{
  gboolean assigned;
  MendSessionState session;
  MendAttendanceState state;
  gboolean briefed;
} MendAttendanceFacts;

/* A check-out as the rules see it: times already resolved to UTC milliseconds. */
typedef struct
{
  gboolean outcome_known;
  gint64 arrived_at_ms;
  gint64 finished_at_ms;
  int penalty_minutes;
  const char *quality;
  const char *behaviour;
  const char *notes;
  gboolean alert_referrer;
  const char *alert_details; /* what the referrer must know, or NULL */
} MendCheckOutFacts;

/* What the store knows about the event a void names. */
typedef struct
{
  gboolean target_known;
  MendEventKind target_kind;
  gboolean already_voided;
  /* Set when later live records rest on the target ("the check-out"): void those first. */
  const char *blocking_record;
  const char *reason;
} MendVoidFacts;

GQuark mend_rule_error_quark (void);
const char *mend_rule_name (MendRule rule);

gboolean mend_rules_start_session (MendSessionState session, GError **error);
gboolean mend_rules_end_session (MendSessionState session, int people_on_site, GError **error);
gboolean mend_rules_check_in (const MendAttendanceFacts *facts, GError **error);
gboolean mend_rules_brief (const MendAttendanceFacts *facts, GError **error);
gboolean mend_rules_check_out (const MendAttendanceFacts *facts,
                               const MendCheckOutFacts *check_out,
                               GError **error);
gboolean mend_rules_absent (const MendAttendanceFacts *facts, const char *notes, GError **error);
gboolean mend_rules_tally (MendSessionState session,
                           gboolean category_known,
                           gint64 total,
                           gint64 delta,
                           GError **error);
gboolean mend_rules_total_not_negative (gint64 total_after, GError **error);
gboolean mend_rules_void (const MendVoidFacts *facts, GError **error);
gboolean mend_rules_photo (const MendAttendanceFacts *facts, GError **error);

gboolean
mend_rules_geofence (gboolean outside, double distance_m, const char *reason, GError **error);

gboolean mend_rules_rating_is_valid (const char *rating);
const char *const *mend_rules_ratings (void);

/* The longest visit that is credited: 24 hours. */
#define MEND_RULES_MAX_VISIT_MINUTES (24 * 60)

int mend_rules_minutes_owed (int minutes_ordered, int credited_at_hq, int credited_here);
int mend_rules_minutes_credited (gint64 arrived_at_ms,
                                 gint64 finished_at_ms,
                                 int penalty_minutes,
                                 gboolean outcome_credits_time,
                                 int minutes_owed);

G_END_DECLS
