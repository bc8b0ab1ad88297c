/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The child that test-crash kills. It records a field day's worth of check-ins, tallies and
 * check-outs in a loop until it is killed, and prints each event id on its own line only once
 * mend_store_record() has returned it, so every printed id is a record the supervisor would
 * have seen confirmed.
 *
 * Usage: crash-writer STORE
 *
 * Exit codes: 0 every session has ended and nothing is left to record, 1 usage, 2 store
 * error, 3 the writer got stuck (its choices were refused over and over). */
#define G_LOG_DOMAIN "mend-crash-writer"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mend-rules.h"
#include "mend-store.h"

enum
{
  EXIT_NOTHING_LEFT = 0,
  EXIT_USAGE = 1,
  EXIT_STORE = 2,
  EXIT_STUCK = 3,
};

/* Refusals are expected now and then; this many in a row means the choices below disagree
 * with the rules, and looping on would only hide it. */
#define MAX_REFUSALS_IN_A_ROW 100

/* One write(2) per id, with no stdio buffer in between: once it returns, the line is in the
 * pipe and survives SIGKILL. A line of 37 bytes is below PIPE_BUF, so it is never split. */
static gboolean
print_event_id (const char *event_id)
{
  g_autofree char *line = g_strconcat (event_id, "\n", NULL);
  size_t length = strlen (line);
  size_t written = 0;

  while (written < length)
    {
      ssize_t n = write (STDOUT_FILENO, line + written, length - written);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      written += (size_t)n;
    }
  return TRUE;
}

static const char *
pick_person (GPtrArray *roster, MendAttendanceState state)
{
  g_autoptr (GPtrArray) matching = g_ptr_array_new ();

  for (guint i = 0; i < roster->len; i++)
    {
      const MendRosterRow *row = g_ptr_array_index (roster, i);

      if (row->state == state)
        g_ptr_array_add (matching, row->participant_id);
    }
  if (matching->len == 0)
    return NULL;
  return g_ptr_array_index (matching, g_random_int_range (0, (int)matching->len));
}

static gint64
tally_total (GPtrArray *tallies, const char *category_id)
{
  for (guint i = 0; i < tallies->len; i++)
    {
      const MendTallyRow *row = g_ptr_array_index (tallies, i);

      if (g_strcmp0 (row->id, category_id) == 0)
        return row->total;
    }
  return 0;
}

static MendCommand *
tally_command (const char *session_id, gint64 bags_so_far)
{
  static const int deltas[] = { 1, 2, -1 };
  int delta = deltas[g_random_int_range (0, G_N_ELEMENTS (deltas))];

  /* Taking back a bag that was never counted would only be refused. */
  if (bags_so_far + delta < 0)
    delta = 1;
  return mend_command_tally (session_id, "bags", delta);
}

/* Chooses what to record next for a running session: tallies now and then, everyone checked
 * in and out, and the end once nobody is left on site. */
static MendCommand *
running_session_command (MendStore *store, const char *session_id, GError **error)
{
  g_autoptr (GPtrArray) roster = NULL;
  g_autoptr (GPtrArray) tallies = NULL;
  const char *expected;
  const char *on_site;
  int roll = g_random_int_range (0, 100);

  roster = mend_store_list_roster (store, session_id, error);
  if (roster == NULL)
    return NULL;
  tallies = mend_store_list_tallies (store, session_id, error);
  if (tallies == NULL)
    return NULL;

  expected = pick_person (roster, MEND_ATTENDANCE_EXPECTED);
  on_site = pick_person (roster, MEND_ATTENDANCE_ON_SITE);

  if (roll < 35)
    return tally_command (session_id, tally_total (tallies, "bags"));
  if (expected != NULL && (on_site == NULL || roll < 70))
    return mend_command_check_in (session_id, expected);
  if (on_site != NULL)
    {
      MendCheckOut details = { .outcome = "ATTC" };

      return mend_command_check_out (session_id, on_site, &details);
    }
  return mend_command_end_session (session_id);
}

/* Where the writer is: the session it works on. It is found in the store when the writer
 * starts, never remembered across a kill, and read back from the store on every turn. */
typedef struct
{
  MendStore *store;
  char *session_id;
  gint64 starts_at_ms;
} Writer;

static void
writer_clear (Writer *writer)
{
  g_clear_pointer (&writer->session_id, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Writer, writer_clear)

/* The first session, in start order from @from_ms, that has not ended; sessions are worked
 * through in that order, so every one before it has. */
static gboolean
find_open_session (Writer *writer, gint64 from_ms, GError **error)
{
  g_autoptr (GPtrArray) sessions = NULL;

  g_clear_pointer (&writer->session_id, g_free);
  sessions = mend_store_list_sessions (writer->store, from_ms, G_MAXINT64, error);
  if (sessions == NULL)
    return FALSE;
  for (guint i = 0; i < sessions->len; i++)
    {
      const MendSessionRow *session = g_ptr_array_index (sessions, i);

      if (session->state != MEND_SESSION_ENDED)
        {
          writer->session_id = g_strdup (session->id);
          writer->starts_at_ms = session->starts_at_ms;
          break;
        }
    }
  return TRUE;
}

/* Returns %NULL with @error unset when every session has ended. */
static MendCommand *
next_command (Writer *writer, GError **error)
{
  g_autoptr (MendSessionRow) session = NULL;

  if (writer->session_id != NULL)
    {
      session = mend_store_get_session (writer->store, writer->session_id, error);
      if (session == NULL)
        return NULL;
    }
  /* Only the move to the next session scans the list; the turns in between read one
   * session, so the writer spends its time recording, where a kill is most telling. */
  if (session == NULL || session->state == MEND_SESSION_ENDED)
    {
      g_clear_pointer (&session, mend_session_row_free);
      if (!find_open_session (writer, writer->session_id ? writer->starts_at_ms : G_MININT64,
                              error))
        return NULL;
      if (writer->session_id == NULL)
        return NULL;
      session = mend_store_get_session (writer->store, writer->session_id, error);
      if (session == NULL)
        return NULL;
    }

  if (session->state == MEND_SESSION_NOT_STARTED)
    return mend_command_start_session (session->id);
  return running_session_command (writer->store, session->id, error);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MendStore) store = NULL;
  g_auto (Writer) writer = { 0 };
  int refusals_in_a_row = 0;

  if (argc != 2)
    {
      fprintf (stderr, "Usage: %s STORE\n", argv[0]);
      return EXIT_USAGE;
    }

  store = mend_store_open (argv[1], MEND_STORE_OPEN_DEFAULT, &error);
  if (store == NULL)
    {
      fprintf (stderr, "crash-writer: %s\n", error->message);
      return EXIT_STORE;
    }
  writer.store = store;

  for (;;)
    {
      g_autoptr (MendCommand) command = NULL;
      g_autofree char *event_id = NULL;

      command = next_command (&writer, &error);
      if (command == NULL && error == NULL)
        {
          fprintf (stderr, "crash-writer: every session has ended; nothing left to record\n");
          return EXIT_NOTHING_LEFT;
        }
      if (command == NULL)
        {
          fprintf (stderr, "crash-writer: could not read the store: %s\n", error->message);
          return EXIT_STORE;
        }

      event_id = mend_store_record (store, command, &error);
      if (event_id == NULL && error->domain == MEND_RULE_ERROR)
        {
          if (++refusals_in_a_row >= MAX_REFUSALS_IN_A_ROW)
            {
              fprintf (stderr, "crash-writer: refused %d times in a row, last: %s\n",
                       refusals_in_a_row, error->message);
              return EXIT_STUCK;
            }
          g_clear_error (&error);
          continue;
        }
      if (event_id == NULL)
        {
          fprintf (stderr, "crash-writer: could not record: %s\n", error->message);
          return EXIT_STORE;
        }
      refusals_in_a_row = 0;

      if (!print_event_id (event_id))
        {
          fprintf (stderr, "crash-writer: could not print an event id: %s\n", g_strerror (errno));
          return EXIT_STORE;
        }
    }
}
