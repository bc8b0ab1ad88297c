/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-ui"

#include "config.h"

#include "mend-settings-page.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "mend-gps-source.h"
#include "mend-ui-util.h"

struct _MendSettingsPage
{
  GtkWidget parent_instance;

  GSettings *settings;

  AdwEntryRow *gpsd_row;
  AdwEntryRow *camera_row;
  GtkSwitch *metered_switch;
  GtkLabel *photo_label;
  GtkLabel *lock_label;
  GtkLabel *message_label;
  AdwActionRow *storage_row;
  GtkWidget *storage_icon;
};

G_DEFINE_FINAL_TYPE (MendSettingsPage, mend_settings_page, GTK_TYPE_WIDGET)

static void
set_message (MendSettingsPage *self, const char *message)
{
  gtk_label_set_label (self->message_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL);
}

/* A bad address is refused in words and left in the field to be fixed, not thrown away. */
static void
gpsd_apply_cb (MendSettingsPage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->gpsd_row));
  g_autoptr (GError) error = NULL;
  g_autofree char *host = NULL;
  g_autofree char *port = NULL;

  if (!mend_gps_parse_address (text, &host, &port, &error))
    {
      set_message (self, error->message);
      return;
    }
  g_settings_set_string (self->settings, "gpsd-address", text);
  set_message (self, _ ("The GPS address is saved; it is used from the next start."));
}

static void
camera_apply_cb (MendSettingsPage *self)
{
  g_settings_set_string (self->settings, "camera-source",
                         gtk_editable_get_text (GTK_EDITABLE (self->camera_row)));
  set_message (self, _ ("The camera source is saved; it is used when the camera is next turned "
                        "on."));
}

static void
update_numbers (MendSettingsPage *self)
{
  g_autofree char *photo
      = g_strdup_printf ("%u", g_settings_get_uint (self->settings, "photo-long-edge"));
  g_autofree char *lock
      = g_strdup_printf ("%u", g_settings_get_uint (self->settings, "lock-minutes"));

  gtk_label_set_label (self->photo_label, photo);
  gtk_label_set_label (self->lock_label, lock);
}

/* Steps a number setting, kept within the range its schema gives. */
static void
step_action (GtkWidget *widget, const char *name, GVariant *param)
{
  MendSettingsPage *self = MEND_SETTINGS_PAGE (widget);
  const char *key = g_str_equal (name, "settings.photo-step") ? "photo-long-edge" : "lock-minutes";
  g_autoptr (GSettingsSchemaKey) schema_key = NULL;
  g_autoptr (GSettingsSchema) schema = NULL;
  gint64 value = (gint64)g_settings_get_uint (self->settings, key) + g_variant_get_int32 (param);
  g_autoptr (GVariant) candidate = NULL;

  g_object_get (self->settings, "settings-schema", &schema, NULL);
  schema_key = g_settings_schema_get_key (schema, key);
  candidate = g_variant_ref_sink (g_variant_new_uint32 ((guint32)CLAMP (value, 0, G_MAXUINT32)));
  if (value >= 0 && g_settings_schema_key_range_check (schema_key, candidate))
    g_settings_set_uint (self->settings, key, (guint)value);
}

void
mend_settings_page_set_settings (MendSettingsPage *self, GSettings *settings)
{
  g_autofree char *gpsd = NULL;
  g_autofree char *camera = NULL;

  g_return_if_fail (MEND_IS_SETTINGS_PAGE (self));
  g_return_if_fail (self->settings == NULL);

  self->settings = g_object_ref (settings);
  gpsd = g_settings_get_string (settings, "gpsd-address");
  camera = g_settings_get_string (settings, "camera-source");
  gtk_editable_set_text (GTK_EDITABLE (self->gpsd_row), gpsd);
  gtk_editable_set_text (GTK_EDITABLE (self->camera_row), camera);
  /* The sync scheduler follows the same key (MendApplication binds it). */
  g_settings_bind (settings, "sync-photos-on-metered", self->metered_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (settings, "changed", G_CALLBACK (update_numbers), self,
                           G_CONNECT_SWAPPED);
  update_numbers (self);
}

static void
save_action (GtkWidget *widget, const char *name, GVariant *param)
{
  MendSettingsPage *self = MEND_SETTINGS_PAGE (widget);

  if (g_str_equal (name, "settings.save-gpsd"))
    gpsd_apply_cb (self);
  else
    camera_apply_cb (self);
}

void
mend_settings_page_set_text (MendSettingsPage *self, const char *key, const char *text)
{
  AdwEntryRow *row;

  g_return_if_fail (MEND_IS_SETTINGS_PAGE (self));

  row = g_str_equal (key, "gpsd-address") ? self->gpsd_row : self->camera_row;
  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

GtkWidget *
mend_settings_page_get_metered_switch (MendSettingsPage *self)
{
  g_return_val_if_fail (MEND_IS_SETTINGS_PAGE (self), NULL);
  return GTK_WIDGET (self->metered_switch);
}

const char *
mend_settings_page_get_message (MendSettingsPage *self)
{
  g_return_val_if_fail (MEND_IS_SETTINGS_PAGE (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->message_label))
             ? gtk_label_get_label (self->message_label)
             : "";
}

/**
 * mend_settings_page_set_storage:
 * @verdict: the check of the store's folder
 * @detail: (nullable): the check's own sentence about the device
 *
 * Says what protects the data on a device lost while switched off, or warns that nothing does
 * and what to do about it.
 */
void
mend_settings_page_set_storage (MendSettingsPage *self,
                                MendStorageVerdict verdict,
                                const char *detail)
{
  g_autofree char *text = NULL;
  const char *summary;
  gboolean warns = verdict != MEND_STORAGE_ENCRYPTED;

  g_return_if_fail (MEND_IS_SETTINGS_PAGE (self));

  switch (verdict)
    {
    case MEND_STORAGE_ENCRYPTED:
      summary = _ ("Encrypted (dm-crypt/LUKS): a device lost while switched off does not give "
                   "away what it holds. While it is on, the disk is open: the lock protects it "
                   "then.");
      break;
    case MEND_STORAGE_NOT_ENCRYPTED:
      summary = _ ("Not encrypted: if this device is lost while switched off, anyone who takes "
                   "out its storage can read the names and records on it. Whole-disk "
                   "encryption (LUKS) is chosen when the device is installed; ask whoever sets "
                   "up the devices to install it again with encryption.");
      break;
    case MEND_STORAGE_UNKNOWN:
    default:
      summary = _ ("Mend cannot tell whether the data folder is encrypted, so it may not be: if "
                   "this device is lost while switched off, its names and records may be read. "
                   "Ask whoever sets up the devices to check that it was installed with "
                   "whole-disk encryption (LUKS).");
      break;
    }
  text = detail != NULL ? g_strdup_printf ("%s\n(%s)", summary, detail) : g_strdup (summary);
  adw_action_row_set_subtitle (self->storage_row, text);
  gtk_widget_set_visible (self->storage_icon, warns);
  if (warns)
    gtk_widget_add_css_class (GTK_WIDGET (self->storage_row), "mend-warning");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->storage_row), "mend-warning");
}

const char *
mend_settings_page_get_storage_text (MendSettingsPage *self)
{
  g_return_val_if_fail (MEND_IS_SETTINGS_PAGE (self), NULL);
  return adw_action_row_get_subtitle (self->storage_row);
}

gboolean
mend_settings_page_get_storage_warns (MendSettingsPage *self)
{
  g_return_val_if_fail (MEND_IS_SETTINGS_PAGE (self), FALSE);
  return gtk_widget_has_css_class (GTK_WIDGET (self->storage_row), "mend-warning");
}

static void
mend_settings_page_dispose (GObject *object)
{
  MendSettingsPage *self = MEND_SETTINGS_PAGE (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), MEND_TYPE_SETTINGS_PAGE);
  mend_ui_unparent_children (GTK_WIDGET (self));
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (mend_settings_page_parent_class)->dispose (object);
}

static void
mend_settings_page_class_init (MendSettingsPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = mend_settings_page_dispose;
  gtk_widget_class_set_template_from_resource (
      widget_class, "/org/mendapp/Mend/pages/settings/mend-settings-page.ui");
  gtk_widget_class_bind_template_child (widget_class, MendSettingsPage, gpsd_row);
  gtk_widget_class_bind_template_child (widget_class, MendSettingsPage, camera_row);
  gtk_widget_class_bind_template_child (widget_class, MendSettingsPage, metered_switch);
  gtk_widget_class_bind_template_child (widget_class, MendSettingsPage, photo_label);
  gtk_widget_class_bind_template_child (widget_class, MendSettingsPage, lock_label);
  gtk_widget_class_bind_template_child (widget_class, MendSettingsPage, message_label);
  gtk_widget_class_bind_template_child (widget_class, MendSettingsPage, storage_row);
  gtk_widget_class_bind_template_child (widget_class, MendSettingsPage, storage_icon);
  gtk_widget_class_bind_template_callback (widget_class, gpsd_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, camera_apply_cb);
  gtk_widget_class_install_action (widget_class, "settings.save-gpsd", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "settings.save-camera", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "settings.photo-step", "i", step_action);
  gtk_widget_class_install_action (widget_class, "settings.lock-step", "i", step_action);
}

static void
mend_settings_page_init (MendSettingsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
