/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include <string.h>

#include "mend-test-wire.h"
#include "mend-wire-payload.h"

/* The section 5 payload check HQ applies at step 6: every payload a real store writes passes,
 * and each way of breaking section 5 is refused with a sentence that says what is wrong. */

/* Every event of a real store's log (starts, check-ins with and without a fix, tallies, a
 * void) is a payload HQ accepts. */
static void
test_real_store (Fixture *f, gconstpointer data)
{
  for (guint i = 0; i < f->rows->len; i++)
    {
      const MendEventRow *row = g_ptr_array_index (f->rows, i);
      g_autoptr (GError) error = NULL;

      if (!mend_wire_check_payload (row->kind, row->session_id, row->participant_id, row->payload,
                                    &error))
        g_error ("%s %s refused: %s", row->kind, row->payload, error->message);
    }
}

static const struct
{
  const char *kind;
  const char *session;
  const char *participant;
  const char *payload;
} good[] = {
  { "session.started", "s", NULL,
    "{\"geofence\":{\"distance_m\":61,\"reason\":null,\"verdict\":\"inside\"}}" },
  { "session.started", "s", NULL,
    "{\"geofence\":{\"distance_m\":null,\"reason\":null,\"verdict\":\"unknown\"}}" },
  { "attendance.checked_in", "s", "p",
    "{\"geofence\":{\"distance_m\":900,\"reason\":\"the gate is locked\",\"verdict\":"
    "\"outside\"},\"later\":1}" },
  { "session.ended", "s", NULL, "{}" },
  { "attendance.briefed", "s", "p", "{}" },
  { "attendance.checked_out", "s", "p",
    "{\"alert_referrer\":false,\"arrived_at\":1764147900000,\"behaviour\":\"good\","
    "\"finished_at\":1764162300000,\"notes\":\"\",\"outcome\":\"ATTC\",\"penalty_minutes\":0,"
    "\"quality\":\"excellent\",\"sensitive\":false}" },
  { "attendance.absent", "s", "p", "{\"notes\":null}" },
  { "tally.adjusted", "s", NULL, "{\"category\":\"bags\",\"delta\":-2}" },
  { "photo.taken", "s", NULL,
    "{\"bytes\":1234,\"height\":480,\"role\":\"before\",\"sha256\":"
    "\"ce2894341eeafb847fae51cf67bfa0b9e3c01ca7474632494537ae65a3353023\",\"width\":640}" },
  { "event.voided", NULL, NULL,
    "{\"reason\":\"counted twice\",\"target\":\"5f0c2c3e-8a41-4d52-9c7e-2b6f1d0e9a13\","
    "\"target_kind\":\"tally.adjusted\"}" },
};

static void
test_good (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr (GError) error = NULL;

      if (!mend_wire_check_payload (good[i].kind, good[i].session, good[i].participant,
                                    good[i].payload, &error))
        g_error ("%s %s refused: %s", good[i].kind, good[i].payload, error->message);
    }
}

static const struct
{
  const char *kind;
  const char *session;
  const char *participant;
  const char *payload;
  const char *says;
} bad[] = {
  { "session.exploded", "s", NULL, "{}", "session.exploded is not a kind of event HQ accepts" },
  { "note.added", "s", NULL, "{}", "is not a kind of event HQ accepts" },
  { "session.started", "s", NULL, "{}", "geofence" },
  { "session.started", NULL, NULL,
    "{\"geofence\":{\"distance_m\":null,\"reason\":null,\"verdict\":\"unknown\"}}",
    "must name its session" },
  { "session.started", "s", NULL,
    "{\"geofence\":{\"distance_m\":5,\"reason\":null,\"verdict\":\"sideways\"}}",
    "verdict must be inside, near, outside or unknown" },
  { "session.started", "s", NULL,
    "{\"geofence\":{\"distance_m\":null,\"reason\":null,\"verdict\":\"inside\"}}",
    "distance_m is needed" },
  { "attendance.checked_in", "s", "p",
    "{\"geofence\":{\"distance_m\":900,\"reason\":null,\"verdict\":\"outside\"}}",
    "outside the site's boundary" },
  { "attendance.checked_in", "s", NULL,
    "{\"geofence\":{\"distance_m\":1,\"reason\":null,\"verdict\":\"inside\"}}",
    "must name its participant" },
  { "attendance.checked_out", "s", "p",
    "{\"alert_referrer\":false,\"arrived_at\":1,\"behaviour\":\"awful\",\"finished_at\":2,"
    "\"notes\":null,\"outcome\":\"ATTC\",\"penalty_minutes\":0,\"quality\":\"good\","
    "\"sensitive\":false}",
    "behaviour \u201cawful\u201d is not one of" },
  { "attendance.checked_out", "s", "p",
    "{\"alert_referrer\":false,\"arrived_at\":1,\"behaviour\":\"good\",\"finished_at\":2,"
    "\"notes\":null,\"outcome\":\"ATTC\",\"penalty_minutes\":-1,\"quality\":\"good\","
    "\"sensitive\":false}",
    "penalty minutes cannot be negative" },
  { "attendance.checked_out", "s", "p",
    "{\"arrived_at\":1,\"behaviour\":\"good\",\"finished_at\":2,\"notes\":null,"
    "\"outcome\":\"ATTC\",\"penalty_minutes\":0,\"quality\":\"good\",\"sensitive\":false}",
    "alert_referrer" },
  { "attendance.checked_out", "s", "p",
    "{\"alert_referrer\":false,\"arrived_at\":1764162300000,\"behaviour\":\"good\","
    "\"finished_at\":1764147900000,\"notes\":null,\"outcome\":\"ATTC\",\"penalty_minutes\":0,"
    "\"quality\":\"good\",\"sensitive\":false}",
    "the finish time is before the arrival time" },
  { "attendance.checked_out", "s", "p",
    "{\"alert_referrer\":false,\"arrived_at\":1764147900000,\"behaviour\":\"good\","
    "\"finished_at\":1764151500000,\"notes\":null,\"outcome\":\"ATTC\",\"penalty_minutes\":61,"
    "\"quality\":\"good\",\"sensitive\":false}",
    "a penalty of 61 minutes is longer than the 60 minutes on site" },
  { "attendance.absent", "s", "p", "{\"notes\":7}", "payload.notes must be a string or null" },
  { "tally.adjusted", "s", NULL, "{\"category\":\"bags\",\"delta\":0}",
    "payload.delta must not be zero" },
  { "tally.adjusted", "s", NULL, "{\"category\":\"bags\",\"delta\":\"3\"}", "delta" },
  { "tally.adjusted", "s", NULL, "{\"delta\":3}", "category" },
  { "photo.taken", "s", NULL,
    "{\"bytes\":1234,\"height\":480,\"role\":\"before\",\"sha256\":\"../../etc/passwd\","
    "\"width\":640}",
    "sha256 must be 64 lowercase hex digits" },
  { "photo.taken", "s", NULL,
    "{\"bytes\":1234,\"height\":480,\"role\":\"selfie\",\"sha256\":"
    "\"ce2894341eeafb847fae51cf67bfa0b9e3c01ca7474632494537ae65a3353023\",\"width\":640}",
    "role must be before, after or evidence" },
  { "photo.taken", "s", NULL,
    "{\"bytes\":0,\"height\":480,\"role\":\"after\",\"sha256\":"
    "\"ce2894341eeafb847fae51cf67bfa0b9e3c01ca7474632494537ae65a3353023\",\"width\":640}",
    "payload.bytes must be 1 or more" },
  { "event.voided", NULL, NULL,
    "{\"reason\":\"  \",\"target\":\"5f0c2c3e-8a41-4d52-9c7e-2b6f1d0e9a13\","
    "\"target_kind\":\"tally.adjusted\"}",
    "must say why" },
  { "event.voided", NULL, NULL,
    "{\"reason\":\"x\",\"target\":\"5f0c2c3e-8a41-4d52-9c7e-2b6f1d0e9a13\","
    "\"target_kind\":\"tally.exploded\"}",
    "tally.exploded is not a kind of event" },
  { "event.voided", NULL, NULL,
    "{\"reason\":\"x\",\"target\":\"not-a-uuid\",\"target_kind\":\"tally.adjusted\"}",
    "payload.target must be an event id" },
};

static void
test_bad (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;

      if (mend_wire_check_payload (bad[i].kind, bad[i].session, bad[i].participant, bad[i].payload,
                                   &error))
        g_error ("%s %s was accepted", bad[i].kind, bad[i].payload);
      g_assert_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED);
      if (strstr (error->message, bad[i].says) == NULL)
        g_error ("%s %s: \"%s\" does not say \"%s\"", bad[i].kind, bad[i].payload, error->message,
                 bad[i].says);
    }
}

/* Notes of exactly the limit pass; one character more is refused, counted in characters. */
static void
test_notes_limit (void)
{
  g_autoptr (GString) notes = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *at_limit = NULL;
  g_autofree char *over = NULL;

  for (int i = 0; i < 4000; i++)
    g_string_append (notes, "\xc3\xa9");
  at_limit = g_strdup_printf ("{\"notes\":\"%s\"}", notes->str);
  g_assert_true (mend_wire_check_payload ("attendance.absent", "s", "p", at_limit, &error));
  g_assert_no_error (error);
  g_string_append (notes, "e");
  over = g_strdup_printf ("{\"notes\":\"%s\"}", notes->str);
  g_assert_false (mend_wire_check_payload ("attendance.absent", "s", "p", over, &error));
  g_assert_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, "longer than 4000 characters"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add ("/wire-payload/real-store", Fixture, NULL, fixture_set_up, test_real_store,
              fixture_tear_down);
  g_test_add_func ("/wire-payload/good", test_good);
  g_test_add_func ("/wire-payload/bad", test_bad);
  g_test_add_func ("/wire-payload/notes-limit", test_notes_limit);
  return g_test_run ();
}
