/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-ui"

#include "config.h"

#include "mend-recorder.h"

#include <glib/gi18n.h>

struct _MendRecorder
{
  GObject parent_instance;

  MendStore *store;
  MendGpsSource *gps;
  char *supervisor_id;
  char *supervisor_name;
  guint n_pending;
};

G_DEFINE_FINAL_TYPE (MendRecorder, mend_recorder, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_SUPERVISOR_ID,
  PROP_N_PENDING,
  N_PROPS,
};

enum
{
  RECORDED,
  CHANGED,
  N_SIGNALS,
};

static GParamSpec *props[N_PROPS];
static guint signals[N_SIGNALS];

static void
mend_recorder_dispose (GObject *object)
{
  MendRecorder *self = MEND_RECORDER (object);

  if (self->gps != NULL)
    mend_gps_source_stop (self->gps);
  g_clear_object (&self->gps);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (mend_recorder_parent_class)->dispose (object);
}

static void
mend_recorder_finalize (GObject *object)
{
  MendRecorder *self = MEND_RECORDER (object);

  g_free (self->supervisor_id);
  g_free (self->supervisor_name);
  G_OBJECT_CLASS (mend_recorder_parent_class)->finalize (object);
}

static void
mend_recorder_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MendRecorder *self = MEND_RECORDER (object);

  switch (prop_id)
    {
    case PROP_SUPERVISOR_ID:
      g_value_set_string (value, self->supervisor_id);
      break;
    case PROP_N_PENDING:
      g_value_set_uint (value, self->n_pending);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mend_recorder_class_init (MendRecorderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = mend_recorder_dispose;
  object_class->finalize = mend_recorder_finalize;
  object_class->get_property = mend_recorder_get_property;

  props[PROP_SUPERVISOR_ID] = g_param_spec_string ("supervisor-id", NULL, NULL, NULL,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_N_PENDING] = g_param_spec_uint ("n-pending", NULL, NULL, 0, G_MAXUINT, 0,
                                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /* (MendEventKind kind, const char *event_id): a record was committed. */
  signals[RECORDED] = g_signal_new ("recorded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_STRING);
  /* Anything the pages show may have changed: after "recorded", and on request. */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                   NULL, NULL, G_TYPE_NONE, 0);
}

static void
mend_recorder_init (MendRecorder *self)
{
}

MendRecorder *
mend_recorder_new (MendStore *store, MendGpsSource *gps)
{
  MendRecorder *self;

  g_return_val_if_fail (MEND_IS_STORE (store), NULL);
  g_return_val_if_fail (gps == NULL || MEND_IS_GPS_SOURCE (gps), NULL);

  self = g_object_new (MEND_TYPE_RECORDER, NULL);
  self->store = g_object_ref (store);
  self->gps = gps ? g_object_ref (gps) : NULL;
  return self;
}

MendStore *
mend_recorder_get_store (MendRecorder *self)
{
  g_return_val_if_fail (MEND_IS_RECORDER (self), NULL);
  return self->store;
}

MendGpsSource *
mend_recorder_get_gps (MendRecorder *self)
{
  g_return_val_if_fail (MEND_IS_RECORDER (self), NULL);
  return self->gps;
}

/**
 * mend_recorder_take_fix:
 * @out_fix: (out): the latest fix, or why there is none
 *
 * Never waits: the GPS source keeps the latest fix as gpsd sends it.
 */
void
mend_recorder_take_fix (MendRecorder *self, MendFix *out_fix)
{
  g_return_if_fail (MEND_IS_RECORDER (self));

  if (self->gps == NULL)
    {
      mend_fix_init (out_fix, MEND_FIX_STATE_OFF, "GPS is switched off in this app");
      return;
    }
  mend_gps_source_get_fix (self->gps, out_fix);
}

const char *
mend_recorder_get_supervisor_id (MendRecorder *self)
{
  g_return_val_if_fail (MEND_IS_RECORDER (self), NULL);
  return self->supervisor_id;
}

const char *
mend_recorder_get_supervisor_name (MendRecorder *self)
{
  g_return_val_if_fail (MEND_IS_RECORDER (self), NULL);
  return self->supervisor_name;
}

/**
 * mend_recorder_set_supervisor:
 * @id: (nullable): who unlocked the device; %NULL when it locks
 */
void
mend_recorder_set_supervisor (MendRecorder *self, const char *id, const char *name)
{
  g_return_if_fail (MEND_IS_RECORDER (self));

  if (g_strcmp0 (self->supervisor_id, id) == 0)
    return;
  g_free (self->supervisor_id);
  g_free (self->supervisor_name);
  self->supervisor_id = g_strdup (id);
  self->supervisor_name = g_strdup (id ? name : NULL);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_SUPERVISOR_ID]);
}

guint
mend_recorder_get_n_pending (MendRecorder *self)
{
  g_return_val_if_fail (MEND_IS_RECORDER (self), 0);
  return self->n_pending;
}

void
mend_recorder_notify_changed (MendRecorder *self)
{
  g_return_if_fail (MEND_IS_RECORDER (self));
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
set_n_pending (MendRecorder *self, guint n)
{
  self->n_pending = n;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_N_PENDING]);
}

static void
record_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  MendRecorder *self = g_task_get_source_object (task);
  MendEventKind kind = GPOINTER_TO_INT (g_task_get_task_data (task));
  g_autofree char *event_id = NULL;
  GError *error = NULL;

  event_id = mend_store_record_finish (MEND_STORE (object), result, &error);
  set_n_pending (self, self->n_pending - 1);
  if (event_id == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_signal_emit (self, signals[RECORDED], 0, (int)kind, event_id);
  g_signal_emit (self, signals[CHANGED], 0);
  g_task_return_pointer (task, g_steal_pointer (&event_id), g_free);
}

/**
 * mend_recorder_record_async:
 * @command: (transfer full): what the supervisor asked to record
 *
 * Records nothing while the device is locked: a record always names who made it.
 */
void
mend_recorder_record_async (MendRecorder *self,
                            MendCommand *command,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data)
{
  g_autoptr (MendCommand) owned = command;
  g_autoptr (GTask) task = NULL;
  MendFix fix;

  g_return_if_fail (MEND_IS_RECORDER (self));
  g_return_if_fail (command != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mend_recorder_record_async);
  g_task_set_task_data (task, GINT_TO_POINTER (mend_command_get_kind (command)), NULL);

  if (self->supervisor_id == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                               _ ("The device is locked: unlock it to record"));
      return;
    }
  mend_command_set_supervisor (command, self->supervisor_id);
  mend_recorder_take_fix (self, &fix);
  mend_command_set_fix (command, &fix);
  set_n_pending (self, self->n_pending + 1);
  mend_store_record_async (self->store, command, cancellable, record_cb, g_steal_pointer (&task));
}

char *
mend_recorder_record_finish (MendRecorder *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
