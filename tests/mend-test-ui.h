/* SPDX-License-Identifier: GPL-3.0-or-later */
/* In-process widget tests: a demo store, the real window, and ways to drive it through its
 * actions and wait for the store to answer. Run under one Xvfb and one session bus for the
 * whole suite (see TESTING in the README). */
#pragma once

#include <adwaita.h>

#include "mend-recorder.h"
#include "mend-window.h"

G_BEGIN_DECLS

/* Aliases, so the tests free rows with g_autoptr without claiming the store's own names. */
typedef MendRosterRow MendTestRosterRow;
typedef MendEventRow MendTestEventRow;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MendTestRosterRow, mend_roster_row_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MendTestEventRow, mend_event_row_free)

typedef struct
{
  char *dir;        /* set before opening to put the store there; removed on closing */
  MendStore *store; /* set before opening (with dir and session_id) to use it, not the demo */
  MendRecorder *recorder;
  MendSyncStatus *sync_status;
  GSettings *settings;
  MendWindow *window;
  char *session_id; /* today's demo session at Spring Rise, supervised by sup-ana */
} MendTestUi;

void mend_test_ui_init (int *argc, char ***argv);
void mend_test_ui_open (MendTestUi *t);
void mend_test_ui_open_with_gps (MendTestUi *t, MendGpsSource *gps);
void mend_test_ui_close (MendTestUi *t);
/* Closes the window and the store, then opens both again on the same file: what the next start
 * of the app (after a quit or a pulled battery) finds. */
void mend_test_ui_reopen (MendTestUi *t);

typedef gboolean (*MendTestUiCondition) (gpointer data);
void mend_test_ui_wait_for (MendTestUiCondition condition, gpointer data, guint timeout_ms);
void mend_test_ui_wait_idle (MendTestUi *t);
void mend_test_ui_wait_sync_counts (MendTestUi *t);
void mend_test_ui_spin (guint ms);

/* Activates @action on @widget (or an ancestor that installs it); _activate fails the test
 * when no widget has it. GTK returns TRUE for a disabled action too (and does not run it), so
 * tests check a disabled action by its lack of effect. */
void mend_test_ui_activate (GtkWidget *widget, const char *action, const char *format, ...);
gboolean mend_test_ui_try_activate (GtkWidget *widget, const char *action, const char *format, ...);

void mend_test_ui_unlock (MendTestUi *t, const char *supervisor_id, const char *pin);
void mend_test_ui_start_session (MendTestUi *t);
void mend_test_ui_check_in (MendTestUi *t, const char *participant_id);

/* The store's view of one person at the session. */
MendRosterRow *mend_test_ui_roster_row (MendTestUi *t, const char *participant_id);
/* How many events of @kind the session has. */
guint mend_test_ui_count_events (MendTestUi *t, const char *kind);
/* The newest event of the session. */
MendEventRow *mend_test_ui_last_event (MendTestUi *t);

void mend_test_ui_snapshot (MendTestUi *t, const char *name);

G_END_DECLS
