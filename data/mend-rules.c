/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-rules"

#include "config.h"

#include "mend-rules.h"

#include <string.h>

G_DEFINE_QUARK (mend_rule_error, mend_rule_error)

/* Indexed by MendRule. These names are quoted in every refusal and by mendctl's tests, so
 * they are part of the interface: change one only with its tests. */
static const char *const rule_names[MEND_RULE_N_RULES] = {
  [MEND_RULE_UNKNOWN_SESSION] = "session.unknown",
  [MEND_RULE_UNKNOWN_PARTICIPANT] = "participant.unknown",
  [MEND_RULE_NOT_ASSIGNED] = "attendance.not-assigned",
  [MEND_RULE_SESSION_NOT_STARTED] = "session.not-started",
  [MEND_RULE_SESSION_ALREADY_STARTED] = "session.already-started",
  [MEND_RULE_SESSION_ENDED] = "session.ended",
  [MEND_RULE_SESSION_PEOPLE_ON_SITE] = "session.people-on-site",
  [MEND_RULE_ALREADY_CHECKED_IN] = "check-in.already-checked-in",
  [MEND_RULE_MARKED_ABSENT] = "check-in.marked-absent",
  [MEND_RULE_NOT_CHECKED_IN] = "check-out.not-checked-in",
  [MEND_RULE_ALREADY_CHECKED_OUT] = "check-out.already-checked-out",
  [MEND_RULE_ALREADY_BRIEFED] = "briefing.already-briefed",
  [MEND_RULE_UNKNOWN_OUTCOME] = "check-out.unknown-outcome",
  [MEND_RULE_FINISH_BEFORE_ARRIVAL] = "check-out.finish-before-arrival",
  [MEND_RULE_PENALTY_NEGATIVE] = "check-out.penalty-negative",
  [MEND_RULE_PENALTY_TOO_LONG] = "check-out.penalty-exceeds-time-on-site",
  [MEND_RULE_NOTES_TOO_LONG] = "notes.too-long",
  [MEND_RULE_BAD_RATING] = "check-out.bad-rating",
  [MEND_RULE_ABSENT_AFTER_CHECK_IN] = "absent.after-check-in",
  [MEND_RULE_ALREADY_ABSENT] = "absent.already-absent",
  [MEND_RULE_UNKNOWN_CATEGORY] = "tally.unknown-category",
  [MEND_RULE_TALLY_ZERO_DELTA] = "tally.zero-delta",
  [MEND_RULE_TALLY_BELOW_ZERO] = "tally.below-zero",
  [MEND_RULE_UNKNOWN_EVENT] = "void.unknown-event",
  [MEND_RULE_VOID_NEEDS_REASON] = "void.needs-reason",
  [MEND_RULE_VOID_OF_VOID] = "void.of-void",
  [MEND_RULE_ALREADY_VOIDED] = "void.already-voided",
  [MEND_RULE_VOID_LATER_RECORDS] = "void.later-records",
  [MEND_RULE_OUTSIDE_NEEDS_REASON] = "geofence.outside-needs-reason",
  [MEND_RULE_ALERT_DETAILS_TOO_LONG] = "check-out.alert-details-too-long",
  [MEND_RULE_ALERT_DETAILS_WITHOUT_ALERT] = "check-out.alert-details-without-alert",
};

static const char *const ratings[] = {
  "excellent", "good", "satisfactory", "unsatisfactory", "poor", "not_applicable", NULL,
};

/**
 * mend_rule_name:
 * @rule: a #MendRule
 *
 * Returns: the rule's stable dotted name, such as "check-in.already-checked-in".
 */
const char *
mend_rule_name (MendRule rule)
{
  g_return_val_if_fail (rule < MEND_RULE_N_RULES, "unknown");
  return rule_names[rule];
}

static gboolean refuse (GError **error, MendRule rule, const char *format, ...)
    G_GNUC_PRINTF (3, 4);

/* Every refusal goes through here, so each message starts with the rule that refused it. */
static gboolean
refuse (GError **error, MendRule rule, const char *format, ...)
{
  g_autofree char *reason = NULL;
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, MEND_RULE_ERROR, rule, "Refused by rule %s: %s", rule_names[rule], reason);
  return FALSE;
}

/**
 * mend_rules_start_session:
 *
 * A session starts once.
 */
gboolean
mend_rules_start_session (MendSessionState session, GError **error)
{
  if (session == MEND_SESSION_RUNNING)
    return refuse (error, MEND_RULE_SESSION_ALREADY_STARTED, "the session is already running");
  if (session == MEND_SESSION_ENDED)
    return refuse (error, MEND_RULE_SESSION_ENDED, "the session has already ended");
  return TRUE;
}

/**
 * mend_rules_end_session:
 * @people_on_site: how many people are checked in and not yet out
 *
 * A running session ends only when nobody is left on site.
 */
gboolean
mend_rules_end_session (MendSessionState session, int people_on_site, GError **error)
{
  if (session == MEND_SESSION_NOT_STARTED)
    return refuse (error, MEND_RULE_SESSION_NOT_STARTED, "the session has not been started");
  if (session == MEND_SESSION_ENDED)
    return refuse (error, MEND_RULE_SESSION_ENDED, "the session has already ended");
  if (people_on_site > 0)
    return refuse (error, MEND_RULE_SESSION_PEOPLE_ON_SITE,
                   "%d %s still on site: check them out first", people_on_site,
                   people_on_site == 1 ? "person is" : "people are");
  return TRUE;
}

static gboolean
check_assigned_and_running (const MendAttendanceFacts *facts, GError **error)
{
  if (!facts->assigned)
    return refuse (error, MEND_RULE_NOT_ASSIGNED, "this person is not assigned to this session");
  if (facts->session == MEND_SESSION_NOT_STARTED)
    return refuse (error, MEND_RULE_SESSION_NOT_STARTED, "start the session first");
  if (facts->session == MEND_SESSION_ENDED)
    return refuse (error, MEND_RULE_SESSION_ENDED, "the session has already ended");
  return TRUE;
}

/**
 * mend_rules_check_in:
 *
 * A person checks in once, to a running session they are assigned to, unless marked absent.
 */
gboolean
mend_rules_check_in (const MendAttendanceFacts *facts, GError **error)
{
  g_return_val_if_fail (facts != NULL, FALSE);

  if (!check_assigned_and_running (facts, error))
    return FALSE;
  switch (facts->state)
    {
    case MEND_ATTENDANCE_EXPECTED:
      return TRUE;
    case MEND_ATTENDANCE_ON_SITE:
    case MEND_ATTENDANCE_DONE:
      return refuse (error, MEND_RULE_ALREADY_CHECKED_IN,
                     "this person has already checked in to this session");
    case MEND_ATTENDANCE_ABSENT:
      return refuse (error, MEND_RULE_MARKED_ABSENT,
                     "this person was marked as not attending; void that record first");
    default:
      g_assert_not_reached ();
    }
}

/**
 * mend_rules_brief:
 *
 * The safety briefing is ticked once, for someone on site.
 */
gboolean
mend_rules_brief (const MendAttendanceFacts *facts, GError **error)
{
  g_return_val_if_fail (facts != NULL, FALSE);

  if (!check_assigned_and_running (facts, error))
    return FALSE;
  if (facts->state != MEND_ATTENDANCE_ON_SITE)
    return refuse (error, MEND_RULE_NOT_CHECKED_IN, "only someone on site can be briefed");
  if (facts->briefed)
    return refuse (error, MEND_RULE_ALREADY_BRIEFED, "this person has already been briefed");
  return TRUE;
}

/**
 * mend_rules_rating_is_valid:
 * @rating: a rating name
 *
 * Returns: whether @rating is on the scale (see mend_rules_ratings()).
 */
gboolean
mend_rules_rating_is_valid (const char *rating)
{
  return rating != NULL && g_strv_contains (ratings, rating);
}

/**
 * mend_rules_ratings:
 *
 * Returns: (transfer none): the rating scale, best first, ending with "not_applicable".
 */
const char *const *
mend_rules_ratings (void)
{
  return ratings;
}

static gboolean
check_notes (const char *notes, GError **error)
{
  if (notes != NULL && g_utf8_strlen (notes, -1) > MEND_NOTES_MAX_CHARS)
    return refuse (error, MEND_RULE_NOTES_TOO_LONG, "notes are %ld characters; the limit is %d",
                   (long)g_utf8_strlen (notes, -1), MEND_NOTES_MAX_CHARS);
  return TRUE;
}

/**
 * mend_rules_check_out:
 *
 * Check-out needs a check-in and a known outcome; arrival comes before finish; the penalty
 * fits in the time on site; ratings are on the scale; notes fit the limit.
 */
gboolean
mend_rules_check_out (const MendAttendanceFacts *facts,
                      const MendCheckOutFacts *check_out,
                      GError **error)
{
  gint64 minutes_on_site;

  g_return_val_if_fail (facts != NULL, FALSE);
  g_return_val_if_fail (check_out != NULL, FALSE);

  if (!facts->assigned)
    return refuse (error, MEND_RULE_NOT_ASSIGNED, "this person is not assigned to this session");
  if (facts->state == MEND_ATTENDANCE_DONE)
    return refuse (error, MEND_RULE_ALREADY_CHECKED_OUT,
                   "this person has already checked out of this session");
  if (facts->state != MEND_ATTENDANCE_ON_SITE)
    return refuse (error, MEND_RULE_NOT_CHECKED_IN, "this person has not checked in");
  if (!check_out->outcome_known)
    return refuse (error, MEND_RULE_UNKNOWN_OUTCOME, "the outcome code is not one of the list");
  if (check_out->finished_at_ms < check_out->arrived_at_ms)
    return refuse (error, MEND_RULE_FINISH_BEFORE_ARRIVAL,
                   "the finish time is before the arrival time");
  if (check_out->penalty_minutes < 0)
    return refuse (error, MEND_RULE_PENALTY_NEGATIVE, "penalty minutes cannot be negative");
  minutes_on_site = (check_out->finished_at_ms - check_out->arrived_at_ms) / 60000;
  if (check_out->penalty_minutes > minutes_on_site)
    return refuse (error, MEND_RULE_PENALTY_TOO_LONG,
                   "a penalty of %d minutes is longer than the %" G_GINT64_FORMAT
                   " minutes on site",
                   check_out->penalty_minutes, minutes_on_site);
  if (!mend_rules_rating_is_valid (check_out->quality))
    return refuse (error, MEND_RULE_BAD_RATING,
                   "work quality “%s” is not one of excellent, good, satisfactory, "
                   "unsatisfactory, poor, not_applicable",
                   check_out->quality ? check_out->quality : "");
  if (!mend_rules_rating_is_valid (check_out->behaviour))
    return refuse (error, MEND_RULE_BAD_RATING,
                   "behaviour “%s” is not one of excellent, good, satisfactory, "
                   "unsatisfactory, poor, not_applicable",
                   check_out->behaviour ? check_out->behaviour : "");
  /* Details are what the referrer is told, so they only go with an alert. */
  if (check_out->alert_details != NULL && !check_out->alert_referrer)
    return refuse (error, MEND_RULE_ALERT_DETAILS_WITHOUT_ALERT,
                   "details for the referrer need “tell the referrer” switched on");
  if (check_out->alert_details != NULL
      && g_utf8_strlen (check_out->alert_details, -1) > MEND_ALERT_DETAILS_MAX_CHARS)
    return refuse (error, MEND_RULE_ALERT_DETAILS_TOO_LONG,
                   "the details for the referrer are %ld characters; the limit is %d",
                   (long)g_utf8_strlen (check_out->alert_details, -1),
                   MEND_ALERT_DETAILS_MAX_CHARS);
  return check_notes (check_out->notes, error);
}

/**
 * mend_rules_absent:
 *
 * "Did not attend" is for someone assigned who never checked in, once, after the start.
 */
gboolean
mend_rules_absent (const MendAttendanceFacts *facts, const char *notes, GError **error)
{
  g_return_val_if_fail (facts != NULL, FALSE);

  if (!facts->assigned)
    return refuse (error, MEND_RULE_NOT_ASSIGNED, "this person is not assigned to this session");
  if (facts->session == MEND_SESSION_NOT_STARTED)
    return refuse (error, MEND_RULE_SESSION_NOT_STARTED, "start the session first");
  if (facts->state == MEND_ATTENDANCE_ON_SITE || facts->state == MEND_ATTENDANCE_DONE)
    return refuse (error, MEND_RULE_ABSENT_AFTER_CHECK_IN,
                   "this person has checked in, so cannot be marked as not attending");
  if (facts->state == MEND_ATTENDANCE_ABSENT)
    return refuse (error, MEND_RULE_ALREADY_ABSENT,
                   "this person is already marked as not attending");
  return check_notes (notes, error);
}

/**
 * mend_rules_tally:
 * @total: the category's total so far in this session
 * @delta: the signed change
 *
 * Tallies change while the session runs, by a non-zero amount, never below zero.
 */
gboolean
mend_rules_tally (MendSessionState session,
                  gboolean category_known,
                  gint64 total,
                  gint64 delta,
                  GError **error)
{
  if (!category_known)
    return refuse (error, MEND_RULE_UNKNOWN_CATEGORY, "the tally category is not one of the list");
  if (session == MEND_SESSION_NOT_STARTED)
    return refuse (error, MEND_RULE_SESSION_NOT_STARTED, "start the session first");
  if (session == MEND_SESSION_ENDED)
    return refuse (error, MEND_RULE_SESSION_ENDED, "the session has already ended");
  if (delta == 0)
    return refuse (error, MEND_RULE_TALLY_ZERO_DELTA, "a change of zero records nothing");
  return mend_rules_total_not_negative (total + delta, error);
}

/**
 * mend_rules_total_not_negative:
 * @total_after: a tally total after a change or a void
 *
 * A tally total never goes below zero.
 */
gboolean
mend_rules_total_not_negative (gint64 total_after, GError **error)
{
  if (total_after < 0)
    return refuse (error, MEND_RULE_TALLY_BELOW_ZERO,
                   "the total would become %" G_GINT64_FORMAT "; it cannot go below zero",
                   total_after);
  return TRUE;
}

/**
 * mend_rules_photo:
 * @facts: (nullable): the person the photo is about; %NULL for a photo of the site
 *
 * A photo may be taken at any point of a session: before it starts and after it ends are
 * normal. A photo about a person needs that person assigned to the session.
 */
gboolean
mend_rules_photo (const MendAttendanceFacts *facts, GError **error)
{
  if (facts != NULL && !facts->assigned)
    return refuse (error, MEND_RULE_NOT_ASSIGNED, "this person is not assigned to this session");
  return TRUE;
}

/**
 * mend_rules_void:
 *
 * A void names a live, non-void event, gives a reason, and waits for the records that
 * rest on its target to be voided first.
 */
gboolean
mend_rules_void (const MendVoidFacts *facts, GError **error)
{
  g_autofree char *reason = NULL;

  g_return_val_if_fail (facts != NULL, FALSE);

  reason = g_strstrip (g_strdup (facts->reason ? facts->reason : ""));
  if (!facts->target_known)
    return refuse (error, MEND_RULE_UNKNOWN_EVENT, "there is no event with that id");
  if (reason[0] == '\0')
    return refuse (error, MEND_RULE_VOID_NEEDS_REASON, "say why the record is being voided");
  if (facts->target_kind == MEND_EVENT_VOIDED)
    return refuse (error, MEND_RULE_VOID_OF_VOID,
                   "a void cannot be voided; record the fact again instead");
  if (facts->already_voided)
    return refuse (error, MEND_RULE_ALREADY_VOIDED, "that event has already been voided");
  if (facts->blocking_record != NULL)
    return refuse (error, MEND_RULE_VOID_LATER_RECORDS, "void %s first", facts->blocking_record);
  return check_notes (reason, error);
}

/**
 * mend_rules_geofence:
 * @outside: the current fix puts the device outside the site's boundary, by more than its error
 * @distance_m: how far outside
 * @reason: (nullable): what the supervisor gave
 *
 * Starting a session or checking someone in outside the boundary is allowed, with a reason.
 * Inside, near, or with no current fix, nothing more is asked.
 */
gboolean
mend_rules_geofence (gboolean outside, double distance_m, const char *reason, GError **error)
{
  g_autofree char *stripped = g_strstrip (g_strdup (reason ? reason : ""));

  if (outside && stripped[0] == '\0')
    return refuse (error, MEND_RULE_OUTSIDE_NEEDS_REASON,
                   "the device is %.0f m outside the site's boundary; say why it is recorded here",
                   distance_m);
  return check_notes (stripped, error);
}

/**
 * mend_rules_minutes_owed:
 * @minutes_ordered: the hours ordered, in minutes
 * @credited_at_hq: minutes HQ had credited when it sent the manifest
 * @credited_here: minutes credited in this store since
 *
 * Returns: minutes still owed, never below zero.
 */
int
mend_rules_minutes_owed (int minutes_ordered, int credited_at_hq, int credited_here)
{
  return MAX (0, minutes_ordered - credited_at_hq - credited_here);
}

/**
 * mend_rules_minutes_credited:
 * @arrived_at_ms: arrival, UTC milliseconds
 * @finished_at_ms: finish, UTC milliseconds
 * @penalty_minutes: minutes deducted by the supervisor
 * @outcome_credits_time: whether the outcome code credits time at all
 * @minutes_owed: minutes still owed before this session
 *
 * Hours credited = finish − arrival − penalty, in whole minutes, only for outcomes that
 * credit time, and never more than what is still owed. A visit that ends before it starts or
 * lasts more than %MEND_RULES_MAX_VISIT_MINUTES credits nothing: only a wrong clock makes one.
 *
 * Returns: minutes credited, from 0 to @minutes_owed.
 */
int
mend_rules_minutes_credited (gint64 arrived_at_ms,
                             gint64 finished_at_ms,
                             int penalty_minutes,
                             gboolean outcome_credits_time,
                             int minutes_owed)
{
  gint64 worked;

  if (!outcome_credits_time || finished_at_ms <= arrived_at_ms)
    return 0;
  /* No session lasts a day: a longer visit is a clock that jumped between the check-in and
   * the check-out (or a check-out forgotten overnight), and crediting it would hand someone
   * years of hours. It credits nothing until a correction gives the real times. */
  if (finished_at_ms - arrived_at_ms > MEND_RULES_MAX_VISIT_MINUTES * G_GINT64_CONSTANT (60000))
    return 0;
  /* Whole minutes on site, rounded down: a part minute is not credited. */
  worked = (finished_at_ms - arrived_at_ms) / 60000 - MAX (0, penalty_minutes);
  return (int)CLAMP (worked, 0, MAX (0, minutes_owed));
}
