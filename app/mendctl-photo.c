/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mendctl"

#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>

#include "mend-camera.h"
#include "mend-photo-processor.h"
#include "mend-photo.h"
#include "mend-time.h"
#include "mendctl-private.h"

/* `mendctl photo add|capture` and `mendctl photos`. A photo is processed into a temp file in
 * the store's photos folder, moved into place under its hash, and only then recorded, so the
 * printed id always names a photo whose file is complete on disk. */

typedef struct
{
  char *session_id;
  char *participant_id;
  MendPhotoRole role;
  gboolean json;
} PhotoRequest;

static void
photo_request_clear (PhotoRequest *r)
{
  g_free (r->session_id);
  g_free (r->participant_id);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PhotoRequest, photo_request_clear)

static int
exit_for_photo_error (GError *error)
{
  int code = MENDCTL_EXIT_STORE;

  if (g_error_matches (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_NOT_AN_IMAGE)
      || g_error_matches (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_TOO_LARGE))
    code = MENDCTL_EXIT_REFUSED;
  else if (g_error_matches (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_CAMERA))
    code = MENDCTL_EXIT_NO_DEVICE;
  else if (g_error_matches (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_READ))
    code = MENDCTL_EXIT_USAGE;
  else if (error->domain != MEND_PHOTO_ERROR)
    return mendctl_fail (error);
  fprintf (stderr, "mendctl: %s\n", error->message);
  g_error_free (error);
  return code;
}

/* Checks what can be checked before any file is written: the session, the person, the role. */
static int
prepare_request (MendctlContext *ctx,
                 const char *session_id,
                 const char *person,
                 const char *role,
                 PhotoRequest *out)
{
  g_autoptr (MendSessionRow) session = NULL;
  GError *error = NULL;

  if (role == NULL || !mend_photo_role_from_string (role, &out->role))
    return mendctl_usage_error ("photo", "--role must be before, after or evidence");
  if (mendctl_open_store (ctx, &error) == NULL
      || (session = mend_store_get_session (ctx->store, session_id, &error)) == NULL)
    return mendctl_fail (error);
  out->session_id = g_strdup (session_id);
  out->participant_id = person ? mendctl_resolve_person (ctx, session_id, person) : NULL;
  return MENDCTL_EXIT_OK;
}

static void
print_photo (const char *event_id,
             const char *sha256,
             const char *path,
             int width,
             int height,
             gint64 bytes,
             gboolean json)
{
  g_autoptr (JsonBuilder) b = NULL;
  g_autoptr (JsonNode) root = NULL;

  if (!json)
    {
      printf ("%s\n%s\n%s\n%dx%d, %" G_GINT64_FORMAT " bytes\n", event_id, sha256, path, width,
              height, bytes);
      return;
    }
  b = json_builder_new ();
  json_builder_begin_object (b);
  mendctl_builder_add_string (b, "id", event_id);
  mendctl_builder_add_string (b, "sha256", sha256);
  mendctl_builder_add_string (b, "path", path);
  mendctl_builder_add_int (b, "width", width);
  mendctl_builder_add_int (b, "height", height);
  mendctl_builder_add_int (b, "bytes", bytes);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  mendctl_print_json (root);
}

/* The common tail of add and capture: @temp holds the processed JPEG. */
static int
store_and_record (MendctlContext *ctx,
                  const PhotoRequest *request,
                  const MendFix *fix,
                  const char *temp,
                  int width,
                  int height)
{
  g_autofree char *sha256 = NULL;
  g_autofree char *path = NULL;
  g_autofree char *event_id = NULL;
  g_autoptr (MendCommand) command = NULL;
  GError *error = NULL;
  gint64 bytes = 0;

  if (!mend_store_adopt_photo_temp (ctx->store, temp, &sha256, &bytes, &error))
    return mendctl_fail (error);
  path = mend_store_photo_path (ctx->store, sha256);

  command = mend_command_photo (request->session_id, request->participant_id, request->role, sha256,
                                bytes, width, height);
  mend_command_set_fix (command, fix);
  if (ctx->supervisor_id != NULL)
    mend_command_set_supervisor (command, ctx->supervisor_id);
  event_id = mend_store_record (ctx->store, command, &error);
  /* A refused record leaves no file behind: the store removes a photo no event names. */
  if (event_id == NULL)
    return mendctl_fail (error);
  print_photo (event_id, sha256, path, width, height, bytes, request->json);
  return MENDCTL_EXIT_OK;
}

/* An imported photo is dated by its file, not by the import: a camera writes the file when
 * the picture is taken. Importing the same file again for the same session and role, with no
 * fix, then gives the same bytes, which the store keeps once; with a fix the EXIF differs. */
static gint64
file_time_ms (const char *path)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    return mend_time_now_ms ();
  return (gint64)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
}

static int
photo_add (MendctlContext *ctx, int argc, char **argv)
{
  g_autofree char *role = NULL;
  g_autofree char *person = NULL;
  g_autofree char *temp = NULL;
  g_auto (PhotoRequest) request = { 0 };
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "role", 0, 0, G_OPTION_ARG_STRING, &role, "before, after or evidence (required)", "ROLE" },
    { "participant", 0, 0, G_OPTION_ARG_STRING, &person, "Who the photo is about", "PERSON" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { NULL },
  };
  MendPhotoMeta meta = { 0 };
  MendFix fix;
  GError *error = NULL;
  int width = 0, height = 0;
  int status;

  if (!mendctl_parse_options ("photo add", "SESSION FILE", entries,
                              mendctl_gps_entries (ctx, FALSE), &argc, &argv, 2, 2, &status))
    return status;
  if ((status = prepare_request (ctx, argv[1], person, role, &request)) != MENDCTL_EXIT_OK)
    return status;
  request.json = json;
  if (!mendctl_take_fix (ctx, &fix, &error))
    return mendctl_fail (error);

  meta = (MendPhotoMeta){
    .taken_at_ms = file_time_ms (argv[2]),
    .fix = &fix,
    .role = mend_photo_role_to_string (request.role),
    .session_id = request.session_id,
  };
  if ((temp = mend_store_new_photo_temp (ctx->store, &error)) == NULL)
    return mendctl_fail (error);
  if (!mend_photo_process_file (argv[2], temp, NULL, &meta, &width, &height, &error))
    {
      g_unlink (temp);
      return exit_for_photo_error (error);
    }
  return store_and_record (ctx, &request, &fix, temp, width, height);
}

typedef struct
{
  GMainLoop *loop;
  GdkPixbuf *still;
  GError *error;
} Capture;

static void
captured_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Capture *c = user_data;

  c->still = mend_camera_capture_finish (MEND_CAMERA (object), result, &c->error);
  g_main_loop_quit (c->loop);
}

static int
photo_capture (MendctlContext *ctx, int argc, char **argv)
{
  g_autofree char *role = NULL;
  g_autofree char *person = NULL;
  g_autofree char *source = NULL;
  g_autofree char *temp = NULL;
  g_auto (PhotoRequest) request = { 0 };
  g_autoptr (MendCamera) camera = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autoptr (GdkPixbuf) still = NULL;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "role", 0, 0, G_OPTION_ARG_STRING, &role, "before, after or evidence (required)", "ROLE" },
    { "participant", 0, 0, G_OPTION_ARG_STRING, &person, "Who the photo is about", "PERSON" },
    { "source", 0, 0, G_OPTION_ARG_STRING, &source,
      "GStreamer source (default v4l2src; libcamerasrc, pipewiresrc, videotestsrc …)",
      "PIPELINE-SOURCE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { NULL },
  };
  Capture capture = { 0 };
  MendPhotoMeta meta;
  MendFix fix;
  GError *error = NULL;
  int width = 0, height = 0;
  int status;

  if (!mendctl_parse_options ("photo capture", "SESSION", entries, mendctl_gps_entries (ctx, FALSE),
                              &argc, &argv, 1, 1, &status))
    return status;
  if ((status = prepare_request (ctx, argv[1], person, role, &request)) != MENDCTL_EXIT_OK)
    return status;
  request.json = json;
  if (!mendctl_take_fix (ctx, &fix, &error))
    return mendctl_fail (error);

  camera = mend_camera_new (source);
  if (!mend_camera_start (camera, &error))
    return exit_for_photo_error (error);
  loop = g_main_loop_new (NULL, FALSE);
  capture.loop = loop;
  mend_camera_capture_async (camera, NULL, captured_cb, &capture);
  g_main_loop_run (loop);
  mend_camera_stop (camera);
  if (capture.still == NULL)
    return exit_for_photo_error (capture.error);
  still = capture.still;

  meta = (MendPhotoMeta){
    .taken_at_ms = mend_time_now_ms (),
    .fix = &fix,
    .role = mend_photo_role_to_string (request.role),
    .session_id = request.session_id,
  };
  if ((temp = mend_store_new_photo_temp (ctx->store, &error)) == NULL)
    return mendctl_fail (error);
  if (!mend_photo_process_pixbuf (still, temp, NULL, &meta, &width, &height, &error))
    {
      g_unlink (temp);
      return exit_for_photo_error (error);
    }
  return store_and_record (ctx, &request, &fix, temp, width, height);
}

int
mendctl_photo (MendctlContext *ctx, int argc, char **argv)
{
  if (argc >= 2 && g_str_equal (argv[1], "add"))
    return photo_add (ctx, argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "capture"))
    return photo_capture (ctx, argc - 1, argv + 1);
  return mendctl_usage_error ("photo", "expected “photo add SESSION FILE --role ROLE” or "
                                       "“photo capture SESSION --role ROLE”");
}

int
mendctl_photos (MendctlContext *ctx, int argc, char **argv)
{
  g_autofree char *session = NULL;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "session", 0, 0, G_OPTION_ARG_STRING, &session, "Only this session's photos", "S" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { NULL },
  };
  g_autoptr (GPtrArray) photos = NULL;
  g_autoptr (JsonBuilder) b = NULL;
  g_autoptr (JsonNode) root = NULL;
  GError *error = NULL;
  int status;

  if (!mendctl_parse_options ("photos", "", entries, NULL, &argc, &argv, 0, 0, &status))
    return status;
  if (mendctl_open_store (ctx, &error) == NULL
      || (photos = mend_store_list_photos (ctx->store, session, &error)) == NULL)
    return mendctl_fail (error);

  if (!json)
    {
      for (guint i = 0; i < photos->len; i++)
        {
          MendPhotoRow *p = g_ptr_array_index (photos, i);
          g_autofree char *at = mend_time_format_ms (p->occurred_at_ms);

          printf ("%s  %s  %-8s %s %s %dx%d %s%s\n", p->event_id, at,
                  mend_photo_role_to_string (p->role), p->session_id,
                  p->participant_id ? p->participant_id : "-", p->width, p->height, p->path,
                  p->voided ? "  [voided]" : "");
        }
      return MENDCTL_EXIT_OK;
    }

  b = json_builder_new ();
  json_builder_begin_array (b);
  for (guint i = 0; i < photos->len; i++)
    {
      MendPhotoRow *p = g_ptr_array_index (photos, i);

      json_builder_begin_object (b);
      mendctl_builder_add_string (b, "id", p->event_id);
      mendctl_builder_add_string (b, "sha256", p->sha256);
      mendctl_builder_add_string (b, "path", p->path);
      mendctl_builder_add_string (b, "role", mend_photo_role_to_string (p->role));
      mendctl_builder_add_string (b, "session", p->session_id);
      mendctl_builder_add_string (b, "participant", p->participant_id);
      mendctl_builder_add_int (b, "width", p->width);
      mendctl_builder_add_int (b, "height", p->height);
      mendctl_builder_add_int (b, "bytes", p->bytes);
      mendctl_builder_add_time (b, "taken_at", p->occurred_at_ms);
      mendctl_builder_add_string (b, "fix", mend_fix_state_to_string (p->fix.state));
      json_builder_set_member_name (b, "voided");
      json_builder_add_boolean_value (b, p->voided);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  root = json_builder_get_root (b);
  mendctl_print_json (root);
  return MENDCTL_EXIT_OK;
}
