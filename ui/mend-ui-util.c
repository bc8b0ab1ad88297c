/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-ui"

#include "config.h"

#include "mend-ui-util.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "mend-gps-source.h"
#include "mend-photo-processor.h"
#include "mend-rules.h"
#include "mend-store.h"
#include "mend-sync-error.h"

/* Local wall-clock time, as on a watch: "09:30". */
char *
mend_ui_format_clock (gint64 utc_ms)
{
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (utc_ms / 1000);
  g_autoptr (GDateTime) local = utc ? g_date_time_to_local (utc) : NULL;

  return local ? g_date_time_format (local, "%H:%M") : g_strdup ("–");
}

char *
mend_ui_format_minutes (gint64 minutes)
{
  if (minutes < 0)
    minutes = 0;
  if (minutes < 60)
    /* Translators: a duration in minutes, such as “45 min”. */
    return g_strdup_printf (_ ("%d min"), (int)minutes);
  /* Translators: a duration in hours and minutes, such as “3 h 05 min”. */
  return g_strdup_printf (_ ("%d h %02d min"), (int)(minutes / 60), (int)(minutes % 60));
}

/* Restricted people are shown by case reference only; the store already withholds their
 * name. */
const char *
mend_ui_person_label (const MendRosterRow *row)
{
  return row->name != NULL && !row->restricted ? row->name : row->case_ref;
}

const char *
mend_ui_event_kind_label (MendEventKind kind)
{
  switch (kind)
    {
    case MEND_EVENT_SESSION_STARTED:
      return _ ("Session started");
    case MEND_EVENT_SESSION_ENDED:
      return _ ("Session ended");
    case MEND_EVENT_CHECKED_IN:
      return _ ("Checked in");
    case MEND_EVENT_BRIEFED:
      return _ ("Safety briefing");
    case MEND_EVENT_CHECKED_OUT:
      return _ ("Checked out");
    case MEND_EVENT_ABSENT:
      return _ ("Did not attend");
    case MEND_EVENT_TALLY_ADJUSTED:
      return _ ("Tally");
    case MEND_EVENT_PHOTO_TAKEN:
      return _ ("Photo");
    case MEND_EVENT_NOTE_ADDED:
      return _ ("Note");
    case MEND_EVENT_INCIDENT_REPORTED:
      return _ ("Incident");
    case MEND_EVENT_VOIDED:
      return _ ("Correction");
    case MEND_EVENT_N_KINDS:
    default:
      return _ ("Record");
    }
}

const char *
mend_ui_attendance_label (MendAttendanceState state)
{
  switch (state)
    {
    case MEND_ATTENDANCE_EXPECTED:
      return _ ("Expected");
    case MEND_ATTENDANCE_ON_SITE:
      return _ ("On site");
    case MEND_ATTENDANCE_DONE:
      return _ ("Done");
    case MEND_ATTENDANCE_ABSENT:
      return _ ("Did not attend");
    default:
      return "";
    }
}

/**
 * mend_ui_error_message:
 *
 * Returns: (transfer full): what went wrong, in words for the supervisor. A refusal by a rule
 *   keeps the rule's name, which is how HQ and the manual refer to it.
 */
char *
mend_ui_error_message (const GError *error)
{
  if (error->domain == MEND_RULE_ERROR)
    return g_strdup (error->message);
  if (g_error_matches (error, MEND_STORE_ERROR, MEND_STORE_ERROR_FULL))
    return g_strdup (_ ("The device is full, so this was not saved. Free some space (sync and "
                        "purge old photos), then try again: what you entered is still here."));
  /* Storage gone read-only (a worn card remounts itself so): what is recorded stays readable;
   * nothing new can be saved until the storage is fixed and Mend opens the store again. */
  if (g_error_matches (error, MEND_STORE_ERROR, MEND_STORE_ERROR_UNWRITABLE))
    return g_strdup_printf (_ ("This device's storage cannot be written (it may have become "
                               "read-only), so this was not saved. Everything recorded before is "
                               "safe and what you entered is still here. Once the storage is "
                               "fixed, restart Mend and try again. (%s)"),
                            error->message);
  if (g_error_matches (error, MEND_STORE_ERROR, MEND_STORE_ERROR_IO))
    return g_strdup_printf (_ ("The device could not save this (%s). What you entered is still "
                               "here: try again."),
                            error->message);
  if (g_error_matches (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_CAMERA))
    return g_strdup_printf (_ ("No camera: %s"), error->message);
  if (g_error_matches (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_WRITE))
    return g_strdup_printf (_ ("The photo could not be saved, perhaps the device is full: %s"),
                            error->message);
  if (error->domain == MEND_GPS_ERROR)
    return g_strdup_printf (_ ("No GPS: %s"), error->message);
  if (g_error_matches (error, MEND_SYNC_ERROR, MEND_SYNC_ERROR_BAD_URL))
    return g_strdup_printf (_ ("That HQ address cannot be used: it must start with https:// "
                               "(plain http:// only for an HQ on this device). %s"),
                            error->message);
  if (g_error_matches (error, MEND_SYNC_ERROR, MEND_SYNC_ERROR_NETWORK)
      || g_error_matches (error, MEND_SYNC_ERROR, MEND_SYNC_ERROR_NOT_PROTOCOL))
    return g_strdup_printf (_ ("HQ could not be reached; check the network and the address. "
                               "Nothing is lost: everything waits on the device. (%s)"),
                            error->message);
  if (g_error_matches (error, MEND_SYNC_ERROR, MEND_SYNC_ERROR_UNAVAILABLE))
    return g_strdup_printf (_ ("HQ is busy or down; the device tries again by itself. (%s)"),
                            error->message);
  if (g_error_matches (error, MEND_SYNC_ERROR, MEND_SYNC_ERROR_UNAUTHORIZED))
    return g_strdup (_ ("HQ no longer accepts this device: this device must be enrolled again."));
  if (g_error_matches (error, MEND_SYNC_ERROR, MEND_SYNC_ERROR_NOT_ENROLLED))
    return g_strdup (_ ("This device is not enrolled with HQ yet: enrol it at the depot. "
                        "Everything stays safely on the device until then."));
  return g_strdup (error->message);
}

void
mend_ui_toast (GtkWidget *widget, const char *message)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (widget, ADW_TYPE_TOAST_OVERLAY);
  AdwToast *toast;

  g_debug ("toast: %s", message);
  if (overlay == NULL)
    return;
  toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 6);
  adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
}

/* For GtkWidget subclasses with a layout manager: the template's top-level child has no id,
 * so gtk_widget_dispose_template() leaves it; dispose removes it here. */
void
mend_ui_unparent_children (GtkWidget *widget)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (widget)) != NULL)
    gtk_widget_unparent (child);
}

/**
 * mend_ui_set_named_label:
 * @text: what the label shows
 * @name: its accessible name, which must stay put
 *
 * On GTK 4.8 setting a GtkLabel's text replaces its accessible name with the text, so a label
 * that screen readers and the end-to-end test find by name (“PIN entered”, “Hours credited”)
 * is named again after every change.
 */
void
mend_ui_set_named_label (GtkLabel *label, const char *text, const char *name)
{
  g_return_if_fail (GTK_IS_LABEL (label));

  gtk_label_set_label (label, text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (label), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
}
