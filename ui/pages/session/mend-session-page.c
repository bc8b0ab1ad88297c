/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-ui"

#include "config.h"

#include "mend-session-page.h"

#include <glib/gi18n.h>
#include <math.h>

#include "mend-geofence.h"
#include "mend-person-row.h"
#include "mend-photo-panel.h"
#include "mend-photo.h"
#include "mend-rules.h"
#include "mend-tally-counter.h"
#include "mend-ui-util.h"

/* Time on site is shown to the minute, so the rows change once a minute and no faster. */
#define TICK_SECONDS 60
/* How often the GPS verdict follows the fix. */
#define GPS_SECONDS 5

struct _MendSessionPage
{
  GtkWidget parent_instance;

  MendRecorder *recorder;
  GCancellable *cancellable;
  char *session_id;
  MendSessionState state;
  int on_site;
  MendGeofence *fence;
  GHashTable *rows;     /* participant id → MendPersonRow */
  GHashTable *counters; /* category id → MendTallyCounter */
  GHashTable *in_flight;
  guint own_records; /* records this page sent that the store has not answered yet */
  gboolean stale;    /* a record made elsewhere while the page was hidden */
  guint tick_source;
  guint gps_source;
  gboolean outside;
  double distance_m;

  GtkLabel *site_label;
  GtkLabel *when_label;
  GtkLabel *gps_label;
  GtkEntry *reason_entry;
  GtkButton *start_button;
  GtkLabel *message_label;
  GtkListBox *roster;
  GtkListBox *tallies;
  MendPhotoPanel *photo_panel;
  GtkBox *end_box;
  GtkRevealer *end_revealer;
  GtkLabel *summary_label;
};

G_DEFINE_FINAL_TYPE (MendSessionPage, mend_session_page, GTK_TYPE_WIDGET)

static void
set_message (MendSessionPage *self, const char *message)
{
  gtk_label_set_label (self->message_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL && *message);
}

static void
update_actions (MendSessionPage *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean running = self->session_id != NULL && self->state == MEND_SESSION_RUNNING;

  gtk_widget_action_set_enabled (
      widget, "session.start", self->session_id != NULL && self->state == MEND_SESSION_NOT_STARTED);
  gtk_widget_action_set_enabled (widget, "session.check-in", running);
  gtk_widget_action_set_enabled (widget, "session.brief", running);
  gtk_widget_action_set_enabled (widget, "session.absent", running);
  gtk_widget_action_set_enabled (widget, "session.tally", running);
  gtk_widget_action_set_enabled (widget, "session.end", running);
  gtk_widget_action_set_enabled (widget, "session.end-cancel", running);
  /* Ending is confirmed from the summary, which only opens when no one is on site. */
  gtk_widget_action_set_enabled (widget, "session.end-confirm",
                                 running && self->on_site == 0
                                     && gtk_revealer_get_reveal_child (self->end_revealer));
}

/* The GPS verdict against the site's boundary, as the store will work it out when the start is
 * recorded; shown beforehand so the supervisor can give a reason when outside. */
static void
update_gps (MendSessionPage *self)
{
  g_autofree char *text = NULL;
  MendFix fix;

  self->outside = FALSE;
  self->distance_m = 0;
  if (self->recorder == NULL || self->session_id == NULL)
    return;
  mend_recorder_take_fix (self->recorder, &fix);
  if (!mend_fix_has_position (&fix))
    /* Translators: the GPS line before a session starts, when there is no position. */
    text = g_strdup_printf (_ ("No GPS position (%s). The start is recorded without one."),
                            fix.note[0] ? fix.note : mend_fix_state_to_string (fix.state));
  else if (self->fence == NULL)
    text = g_strdup (_ ("This site has no boundary to check against."));
  else
    {
      MendGeofenceVerdict verdict = mend_geofence_verdict (
          self->fence, fix.latitude, fix.longitude,
          isnan (fix.horizontal_error) ? 0 : fix.horizontal_error, &self->distance_m);

      switch (verdict)
        {
        case MEND_GEOFENCE_INSIDE:
          text = g_strdup (_ ("GPS: inside the site boundary."));
          break;
        case MEND_GEOFENCE_NEAR:
          text = g_strdup_printf (_ ("GPS: near the site boundary (%.0f m, within the GPS error)."),
                                  self->distance_m);
          break;
        case MEND_GEOFENCE_OUTSIDE:
        default:
          self->outside = TRUE;
          text
              = g_strdup_printf (_ ("GPS: outside the site boundary, %.0f m away. Give a reason to "
                                    "start or check in here."),
                                 self->distance_m);
          break;
        }
    }
  gtk_label_set_label (self->gps_label, text);
  /* Starting and checking in outside the boundary both need a reason (the store's geofence
   * rule), so the reason stays on screen while the fix is outside. */
  gtk_widget_set_visible (GTK_WIDGET (self->reason_entry), self->outside);
  gtk_widget_set_visible (GTK_WIDGET (self->gps_label),
                          self->state == MEND_SESSION_NOT_STARTED || self->outside);
}

static void
load_fence (MendSessionPage *self, const char *site_id)
{
  g_autoptr (GPtrArray) sites = NULL;

  g_clear_pointer (&self->fence, mend_geofence_free);
  sites = mend_store_list_sites (mend_recorder_get_store (self->recorder), NULL);
  for (guint i = 0; sites != NULL && i < sites->len; i++)
    {
      const MendSite *site = g_ptr_array_index (sites, i);

      if (g_strcmp0 (site->id, site_id) == 0)
        self->fence = mend_geofence_new_from_geojson (site->boundary, NULL);
    }
}

static void
clear_list (GtkListBox *list, GHashTable *index)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
  g_hash_table_remove_all (index);
}

static void
update_roster (MendSessionPage *self, GPtrArray *people)
{
  gboolean running = self->state == MEND_SESSION_RUNNING;
  gboolean same = people->len == g_hash_table_size (self->rows);

  for (guint i = 0; same && i < people->len; i++)
    same = g_hash_table_contains (self->rows,
                                  ((MendRosterRow *)g_ptr_array_index (people, i))->participant_id);
  if (!same)
    {
      clear_list (self->roster, self->rows);
      for (guint i = 0; i < people->len; i++)
        {
          const MendRosterRow *data = g_ptr_array_index (people, i);
          GtkWidget *row = mend_person_row_new (data->participant_id);

          gtk_list_box_append (self->roster, row);
          gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (gtk_widget_get_parent (row)), FALSE);
          g_hash_table_insert (self->rows, g_strdup (data->participant_id), row);
        }
    }
  self->on_site = 0;
  for (guint i = 0; i < people->len; i++)
    {
      const MendRosterRow *data = g_ptr_array_index (people, i);

      if (data->state == MEND_ATTENDANCE_ON_SITE)
        self->on_site++;
      mend_person_row_update (g_hash_table_lookup (self->rows, data->participant_id), data, running,
                              g_hash_table_contains (self->in_flight, data->participant_id));
    }
}

static void
update_tallies (MendSessionPage *self, GPtrArray *tallies)
{
  gboolean same = tallies->len == g_hash_table_size (self->counters);

  for (guint i = 0; same && i < tallies->len; i++)
    same = g_hash_table_contains (self->counters,
                                  ((MendTallyRow *)g_ptr_array_index (tallies, i))->id);
  if (!same)
    {
      clear_list (self->tallies, self->counters);
      for (guint i = 0; i < tallies->len; i++)
        {
          const MendTallyRow *data = g_ptr_array_index (tallies, i);
          GtkWidget *counter = mend_tally_counter_new (data);

          gtk_list_box_append (self->tallies, counter);
          gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (gtk_widget_get_parent (counter)),
                                            FALSE);
          g_hash_table_insert (self->counters, g_strdup (data->id), counter);
        }
    }
  for (guint i = 0; i < tallies->len; i++)
    {
      const MendTallyRow *data = g_ptr_array_index (tallies, i);

      mend_tally_counter_update (g_hash_table_lookup (self->counters, data->id), data->total,
                                 self->state == MEND_SESSION_RUNNING
                                     && !g_hash_table_contains (self->in_flight, data->id));
    }
}

void
mend_session_page_refresh (MendSessionPage *self)
{
  g_autoptr (MendSessionRow) session = NULL;
  g_autoptr (GPtrArray) people = NULL;
  g_autoptr (GPtrArray) tallies = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autofree char *when = NULL;
  MendStore *store;

  g_return_if_fail (MEND_IS_SESSION_PAGE (self));
  if (self->recorder == NULL || self->session_id == NULL)
    return;

  self->stale = FALSE;
  store = mend_recorder_get_store (self->recorder);
  session = mend_store_get_session (store, self->session_id, &error);
  if (session == NULL || (people = mend_store_list_roster (store, self->session_id, &error)) == NULL
      || (tallies = mend_store_list_tallies (store, self->session_id, &error)) == NULL)
    {
      g_autofree char *message = mend_ui_error_message (error);
      set_message (self, message);
      return;
    }
  self->state = session->state;
  if (self->fence == NULL)
    load_fence (self, session->site_id);

  from = mend_ui_format_clock (session->starts_at_ms);
  to = mend_ui_format_clock (session->ends_at_ms);
  when = g_strdup_printf ("%s–%s · %s", from, to,
                          session->state == MEND_SESSION_NOT_STARTED ? _ ("Not started")
                          : session->state == MEND_SESSION_RUNNING   ? _ ("Running")
                                                                     : _ ("Ended"));
  gtk_label_set_label (self->site_label, session->site_name);
  gtk_label_set_label (self->when_label, when);
  gtk_widget_set_visible (GTK_WIDGET (self->start_button),
                          session->state == MEND_SESSION_NOT_STARTED);
  gtk_widget_set_visible (GTK_WIDGET (self->end_box), session->state == MEND_SESSION_RUNNING);
  update_gps (self);
  update_roster (self, people);
  update_tallies (self, tallies);
  mend_photo_panel_set_session (self->photo_panel, self->session_id,
                                session->state == MEND_SESSION_RUNNING);
  if (self->on_site > 0)
    gtk_revealer_set_reveal_child (self->end_revealer, FALSE);
  update_actions (self);
}

void
mend_session_page_set_session (MendSessionPage *self, const char *session_id)
{
  g_return_if_fail (MEND_IS_SESSION_PAGE (self));

  if (g_strcmp0 (self->session_id, session_id) != 0)
    {
      g_free (self->session_id);
      self->session_id = g_strdup (session_id);
      g_clear_pointer (&self->fence, mend_geofence_free);
      clear_list (self->roster, self->rows);
      clear_list (self->tallies, self->counters);
      gtk_editable_set_text (GTK_EDITABLE (self->reason_entry), "");
      gtk_revealer_set_reveal_child (self->end_revealer, FALSE);
      set_message (self, NULL);
    }
  mend_session_page_refresh (self);
}

const char *
mend_session_page_get_session (MendSessionPage *self)
{
  g_return_val_if_fail (MEND_IS_SESSION_PAGE (self), NULL);
  return self->session_id;
}

/* What a supervisor types into the reason field, for tests. */
void
mend_session_page_set_reason (MendSessionPage *self, const char *reason)
{
  g_return_if_fail (MEND_IS_SESSION_PAGE (self));
  gtk_editable_set_text (GTK_EDITABLE (self->reason_entry), reason);
}

gboolean
mend_session_page_get_reason_shown (MendSessionPage *self)
{
  g_return_val_if_fail (MEND_IS_SESSION_PAGE (self), FALSE);
  return gtk_widget_get_visible (GTK_WIDGET (self->reason_entry));
}

const char *
mend_session_page_get_message (MendSessionPage *self)
{
  g_return_val_if_fail (MEND_IS_SESSION_PAGE (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->message_label))
             ? gtk_label_get_label (self->message_label)
             : "";
}

/**
 * mend_session_page_get_person_row:
 *
 * Returns: (transfer none) (nullable): the roster row of that person.
 */
GtkWidget *
mend_session_page_get_person_row (MendSessionPage *self, const char *participant_id)
{
  g_return_val_if_fail (MEND_IS_SESSION_PAGE (self), NULL);
  return g_hash_table_lookup (self->rows, participant_id);
}

GtkWidget *
mend_session_page_get_photo_panel (MendSessionPage *self)
{
  g_return_val_if_fail (MEND_IS_SESSION_PAGE (self), NULL);
  return GTK_WIDGET (self->photo_panel);
}

/* One record in flight; @key (a person or a tally category) keeps its buttons waiting until
 * the store answers. */
typedef struct
{
  MendSessionPage *self;
  char *key;
  guint busy_source;
} Pending;

/* A commit normally lands within a frame or two, and the row then shows its new state. Greying
 * the buttons at once would cost a frame of its own and delay that one; the action refuses a
 * second tap meanwhile anyway. Only a slow commit shows its buttons waiting. */
#define BUSY_AFTER_MS 150

static gboolean
busy_cb (gpointer user_data)
{
  Pending *p = user_data;
  MendSessionPage *self = p->self;

  p->busy_source = 0;
  if (g_hash_table_contains (self->rows, p->key))
    mend_person_row_set_busy (g_hash_table_lookup (self->rows, p->key), TRUE);
  else if (g_hash_table_contains (self->counters, p->key))
    mend_tally_counter_update (
        g_hash_table_lookup (self->counters, p->key),
        mend_tally_counter_get_total (g_hash_table_lookup (self->counters, p->key)), FALSE);
  return G_SOURCE_REMOVE;
}

static void
pending_free (Pending *p)
{
  g_clear_handle_id (&p->busy_source, g_source_remove);
  g_object_unref (p->self);
  g_free (p->key);
  g_free (p);
}

/* After a record about one person or one tally: the roster's counts and that one row (or the
 * tallies), without touching the other rows. */
static void
refresh_after (MendSessionPage *self, const char *key)
{
  g_autoptr (GPtrArray) people = NULL;
  g_autoptr (GPtrArray) tallies = NULL;
  g_autoptr (GError) error = NULL;
  MendStore *store = mend_recorder_get_store (self->recorder);
  gboolean running = self->state == MEND_SESSION_RUNNING;
  GtkWidget *row = g_hash_table_lookup (self->rows, key);
  int on_site_before;

  if (row == NULL)
    {
      if (!g_hash_table_contains (self->counters, key))
        {
          mend_session_page_refresh (self);
          return;
        }
      tallies = mend_store_list_tallies (store, self->session_id, &error);
      if (tallies == NULL)
        {
          g_autofree char *message = mend_ui_error_message (error);
          set_message (self, message);
          return;
        }
      update_tallies (self, tallies);
      return;
    }
  on_site_before = self->on_site;
  people = mend_store_list_roster (store, self->session_id, &error);
  if (people == NULL || people->len != g_hash_table_size (self->rows))
    {
      mend_session_page_refresh (self);
      return;
    }
  self->on_site = 0;
  for (guint i = 0; i < people->len; i++)
    {
      const MendRosterRow *data = g_ptr_array_index (people, i);

      if (data->state == MEND_ATTENDANCE_ON_SITE)
        self->on_site++;
      if (g_strcmp0 (data->participant_id, key) == 0)
        mend_person_row_update (MEND_PERSON_ROW (row), data, running,
                                g_hash_table_contains (self->in_flight, key));
    }
  if (self->on_site > 0)
    gtk_revealer_set_reveal_child (self->end_revealer, FALSE);
  /* Enabling or disabling an action notifies every button bound to it (four a row); only the
   * count of people on site can have changed what is enabled here. */
  if (self->on_site != on_site_before)
    update_actions (self);
}

static void
recorded_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Pending *p = user_data;
  MendSessionPage *self = p->self;
  g_autoptr (GError) error = NULL;
  g_autofree char *event_id = NULL;

  event_id = mend_recorder_record_finish (MEND_RECORDER (object), result, &error);
  g_clear_handle_id (&p->busy_source, g_source_remove);
  self->own_records--;
  if (p->key != NULL)
    g_hash_table_remove (self->in_flight, p->key);
  if (event_id == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *message = mend_ui_error_message (error);

      set_message (self, message);
      mend_ui_toast (GTK_WIDGET (self), message);
      if (g_error_matches (error, MEND_RULE_ERROR, MEND_RULE_OUTSIDE_NEEDS_REASON))
        gtk_widget_set_visible (GTK_WIDGET (self->reason_entry), TRUE);
    }
  else if (event_id != NULL)
    set_message (self, NULL);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    ;
  else if (p->key != NULL)
    refresh_after (self, p->key);
  else
    mend_session_page_refresh (self);
  pending_free (p);
}

static void
record (MendSessionPage *self, MendCommand *command, const char *key)
{
  Pending *p = g_new0 (Pending, 1);

  p->self = g_object_ref (self);
  p->key = g_strdup (key);
  self->own_records++;
  mend_recorder_record_async (self->recorder, command, self->cancellable, recorded_cb, p);
  if (key == NULL)
    {
      mend_session_page_refresh (self);
      return;
    }
  /* Only the buttons of the person (or tally) being recorded wait; the rest stay as they are. */
  g_hash_table_add (self->in_flight, g_strdup (key));
  p->busy_source = g_timeout_add (BUSY_AFTER_MS, busy_cb, p);
}

static void
start_action (GtkWidget *widget, const char *name, GVariant *param)
{
  MendSessionPage *self = MEND_SESSION_PAGE (widget);
  const char *reason = gtk_editable_get_text (GTK_EDITABLE (self->reason_entry));
  g_autoptr (GError) error = NULL;
  MendCommand *command;

  update_gps (self);
  /* The shared rule, asked before recording so the reason can be typed first; the store asks
   * it again with the fix it records. */
  if (!mend_rules_geofence (self->outside, self->distance_m, reason, &error))
    {
      g_autofree char *message = mend_ui_error_message (error);

      set_message (self, message);
      gtk_widget_set_visible (GTK_WIDGET (self->reason_entry), TRUE);
      gtk_widget_grab_focus (GTK_WIDGET (self->reason_entry));
      return;
    }
  command = mend_command_start_session (self->session_id);
  if (reason != NULL && *reason)
    mend_command_set_geofence_reason (command, reason);
  record (self, command, NULL);
}

static void
check_in_action (GtkWidget *widget, const char *name, GVariant *param)
{
  MendSessionPage *self = MEND_SESSION_PAGE (widget);
  const char *person = g_variant_get_string (param, NULL);
  const char *reason = gtk_editable_get_text (GTK_EDITABLE (self->reason_entry));
  MendCommand *command;

  if (g_hash_table_contains (self->in_flight, person))
    return;
  command = mend_command_check_in (self->session_id, person);
  /* Outside the boundary the store asks for a reason: the one typed above applies. */
  if (*reason)
    mend_command_set_geofence_reason (command, reason);
  record (self, command, person);
}

static void
brief_action (GtkWidget *widget, const char *name, GVariant *param)
{
  MendSessionPage *self = MEND_SESSION_PAGE (widget);
  const char *person = g_variant_get_string (param, NULL);

  if (g_hash_table_contains (self->in_flight, person))
    return;
  record (self, mend_command_brief (self->session_id, person), person);
}

static void
absent_action (GtkWidget *widget, const char *name, GVariant *param)
{
  MendSessionPage *self = MEND_SESSION_PAGE (widget);
  const char *person = g_variant_get_string (param, NULL);

  if (g_hash_table_contains (self->in_flight, person))
    return;
  record (self, mend_command_absent (self->session_id, person, NULL), person);
}

static void
tally_action (GtkWidget *widget, const char *name, GVariant *param)
{
  MendSessionPage *self = MEND_SESSION_PAGE (widget);
  const char *category = NULL;
  int delta = 0;

  g_variant_get (param, "(&si)", &category, &delta);
  /* Taps on one category are recorded one after another, each on the total the last left. */
  if (delta == 0 || g_hash_table_contains (self->in_flight, category))
    return;
  record (self, mend_command_tally (self->session_id, category, delta), category);
}

static char *
summary_text (MendSessionPage *self)
{
  g_autoptr (MendSessionRow) session = NULL;
  g_autoptr (GPtrArray) tallies = NULL;
  g_autoptr (GPtrArray) photos = NULL;
  g_autoptr (GString) text = g_string_new (NULL);
  MendStore *store = mend_recorder_get_store (self->recorder);
  int counts[3] = { 0 };

  session = mend_store_get_session (store, self->session_id, NULL);
  tallies = mend_store_list_tallies (store, self->session_id, NULL);
  photos = mend_store_list_photos (store, self->session_id, NULL);
  if (session != NULL)
    g_string_append_printf (text, _ ("%d checked out, %d did not attend, of %d expected."),
                            session->done, session->absent, session->expected);
  for (guint i = 0; tallies != NULL && i < tallies->len; i++)
    {
      const MendTallyRow *t = g_ptr_array_index (tallies, i);

      if (t->total != 0)
        g_string_append_printf (text, "\n%s: %" G_GINT64_FORMAT " %s", t->label, t->total, t->unit);
    }
  for (guint i = 0; photos != NULL && i < photos->len; i++)
    {
      const MendPhotoRow *p = g_ptr_array_index (photos, i);

      if (!p->voided && p->role <= MEND_PHOTO_ROLE_EVIDENCE)
        counts[p->role]++;
    }
  g_string_append_printf (text, _ ("\nPhotos: %d before, %d after, %d evidence."), counts[0],
                          counts[1], counts[2]);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
end_action (GtkWidget *widget, const char *name, GVariant *param)
{
  MendSessionPage *self = MEND_SESSION_PAGE (widget);
  g_autoptr (GError) error = NULL;
  g_autofree char *summary = NULL;

  mend_session_page_refresh (self);
  /* The shared rule says whether the session may end; the page only asks it early, so the
   * supervisor sees who is still on site before anything is recorded. */
  if (!mend_rules_end_session (self->state, self->on_site, &error))
    {
      g_autofree char *message = mend_ui_error_message (error);
      g_autoptr (GString) text = g_string_new (message);
      GHashTableIter iter;
      gpointer row;

      g_string_append (text, _ ("\nStill on site:"));
      g_hash_table_iter_init (&iter, self->rows);
      while (g_hash_table_iter_next (&iter, NULL, &row))
        if (mend_person_row_get_state (row) == MEND_ATTENDANCE_ON_SITE)
          g_string_append_printf (text, "\n• %s", mend_person_row_get_label (row));
      set_message (self, text->str);
      gtk_revealer_set_reveal_child (self->end_revealer, FALSE);
      update_actions (self);
      return;
    }
  summary = summary_text (self);
  gtk_label_set_label (self->summary_label, summary);
  set_message (self, NULL);
  gtk_revealer_set_reveal_child (self->end_revealer, TRUE);
  update_actions (self);
}

static void
end_cancel_action (GtkWidget *widget, const char *name, GVariant *param)
{
  MendSessionPage *self = MEND_SESSION_PAGE (widget);

  gtk_revealer_set_reveal_child (self->end_revealer, FALSE);
  update_actions (self);
}

static void
end_confirm_action (GtkWidget *widget, const char *name, GVariant *param)
{
  MendSessionPage *self = MEND_SESSION_PAGE (widget);

  gtk_revealer_set_reveal_child (self->end_revealer, FALSE);
  record (self, mend_command_end_session (self->session_id), NULL);
}

static gboolean
tick_cb (gpointer user_data)
{
  MendSessionPage *self = user_data;
  gint64 now_ms = g_get_real_time () / 1000;
  GHashTableIter iter;
  gpointer row;

  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, NULL, &row))
    mend_person_row_tick (row, now_ms);
  return G_SOURCE_CONTINUE;
}

static gboolean
gps_cb (gpointer user_data)
{
  MendSessionPage *self = user_data;

  /* Check-ins need a reason outside the boundary too, so the verdict follows the fix until the
   * session ends. */
  if (self->state != MEND_SESSION_ENDED)
    update_gps (self);
  return G_SOURCE_CONTINUE;
}

/* The recorder says something changed: this page's own records are answered row by row in
 * recorded_cb(); others (a check-out, a void) are caught up now, or when the page is shown. */
static void
changed_cb (MendSessionPage *self)
{
  if (self->own_records > 0)
    return;
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    mend_session_page_refresh (self);
  else
    self->stale = TRUE;
}

static void
map_cb (MendSessionPage *self)
{
  if (self->stale)
    mend_session_page_refresh (self);
}

void
mend_session_page_setup (MendSessionPage *self, MendRecorder *recorder, GSettings *settings)
{
  g_return_if_fail (MEND_IS_SESSION_PAGE (self));
  g_return_if_fail (self->recorder == NULL);

  self->recorder = g_object_ref (recorder);
  g_signal_connect_object (recorder, "changed", G_CALLBACK (changed_cb), self, G_CONNECT_SWAPPED);
  mend_photo_panel_setup (self->photo_panel, recorder, settings);
  self->tick_source = g_timeout_add_seconds (TICK_SECONDS, tick_cb, self);
  self->gps_source = g_timeout_add_seconds (GPS_SECONDS, gps_cb, self);
}

static void
mend_session_page_dispose (GObject *object)
{
  MendSessionPage *self = MEND_SESSION_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->tick_source, g_source_remove);
  g_clear_handle_id (&self->gps_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), MEND_TYPE_SESSION_PAGE);
  mend_ui_unparent_children (GTK_WIDGET (self));
  g_clear_object (&self->cancellable);
  g_clear_object (&self->recorder);
  G_OBJECT_CLASS (mend_session_page_parent_class)->dispose (object);
}

static void
mend_session_page_finalize (GObject *object)
{
  MendSessionPage *self = MEND_SESSION_PAGE (object);

  g_free (self->session_id);
  g_clear_pointer (&self->fence, mend_geofence_free);
  g_hash_table_unref (self->rows);
  g_hash_table_unref (self->counters);
  g_hash_table_unref (self->in_flight);
  G_OBJECT_CLASS (mend_session_page_parent_class)->finalize (object);
}

static void
mend_session_page_class_init (MendSessionPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mend_session_page_dispose;
  object_class->finalize = mend_session_page_finalize;

  g_type_ensure (MEND_TYPE_PHOTO_PANEL);
  gtk_widget_class_set_template_from_resource (
      widget_class, "/org/mendapp/Mend/pages/session/mend-session-page.ui");
  gtk_widget_class_bind_template_child (widget_class, MendSessionPage, site_label);
  gtk_widget_class_bind_template_child (widget_class, MendSessionPage, when_label);
  gtk_widget_class_bind_template_child (widget_class, MendSessionPage, gps_label);
  gtk_widget_class_bind_template_child (widget_class, MendSessionPage, reason_entry);
  gtk_widget_class_bind_template_child (widget_class, MendSessionPage, start_button);
  gtk_widget_class_bind_template_child (widget_class, MendSessionPage, message_label);
  gtk_widget_class_bind_template_child (widget_class, MendSessionPage, roster);
  gtk_widget_class_bind_template_child (widget_class, MendSessionPage, tallies);
  gtk_widget_class_bind_template_child (widget_class, MendSessionPage, photo_panel);
  gtk_widget_class_bind_template_child (widget_class, MendSessionPage, end_box);
  gtk_widget_class_bind_template_child (widget_class, MendSessionPage, end_revealer);
  gtk_widget_class_bind_template_child (widget_class, MendSessionPage, summary_label);

  gtk_widget_class_install_action (widget_class, "session.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "session.check-in", "s", check_in_action);
  gtk_widget_class_install_action (widget_class, "session.brief", "s", brief_action);
  gtk_widget_class_install_action (widget_class, "session.absent", "s", absent_action);
  gtk_widget_class_install_action (widget_class, "session.tally", "(si)", tally_action);
  gtk_widget_class_install_action (widget_class, "session.end", NULL, end_action);
  gtk_widget_class_install_action (widget_class, "session.end-cancel", NULL, end_cancel_action);
  gtk_widget_class_install_action (widget_class, "session.end-confirm", NULL, end_confirm_action);
}

static void
mend_session_page_init (MendSessionPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->counters = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->in_flight = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_signal_connect (self, "map", G_CALLBACK (map_cb), NULL);
  update_actions (self);
}
