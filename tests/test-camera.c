/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MendCamera against videotestsrc standing in for a camera (live, so it paces itself as a
 * camera does), a camera that is not there, and sources that are not cameras at all. */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include "mend-camera.h"
#include "mend-photo-processor.h"

#include <string.h>

#define LIVE_SOURCE "videotestsrc is-live=true pattern=smpte"
#define HD_SOURCE   LIVE_SOURCE " ! video/x-raw,width=1280,height=720"
#define WAIT_S      10

typedef struct
{
  guint n_previews;
  GdkPixbuf *last_preview;
  guint n_errors;
  GError *last_error;
  guint n_running_notifies;
} Watch;

typedef struct
{
  gboolean done;
  GdkPixbuf *still;
  GError *error;
} Capture;

static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Spins the main context until @done says so, failing the test after WAIT_S seconds. A tick
 * keeps the loop waking up, so a condition that no source reports is still seen. */
static void
spin_until (gboolean (*done) (gpointer), gpointer data)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;
  guint tick = g_timeout_add (50, tick_cb, NULL);

  while (!done (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("nothing happened within %d s", WAIT_S);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (tick);
}

/* Lets whatever is already due run: deferred GTask callbacks, idles. */
static void
drain (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
preview_cb (MendCamera *camera, GdkPixbuf *frame, Watch *watch)
{
  g_assert_true (GDK_IS_PIXBUF (frame));
  g_assert_true (mend_camera_get_preview (camera) == frame);
  watch->n_previews++;
  g_set_object (&watch->last_preview, frame);
}

static void
error_cb (MendCamera *camera, GError *error, Watch *watch)
{
  /* The camera has stopped before it says why. */
  g_assert_false (mend_camera_is_running (camera));
  watch->n_errors++;
  g_clear_error (&watch->last_error);
  watch->last_error = g_error_copy (error);
}

static void
running_cb (MendCamera *camera, GParamSpec *pspec, Watch *watch)
{
  watch->n_running_notifies++;
}

static MendCamera *
watched_camera_new (const char *source, Watch *watch)
{
  MendCamera *camera = mend_camera_new (source);

  g_signal_connect (camera, "preview", G_CALLBACK (preview_cb), watch);
  g_signal_connect (camera, "error", G_CALLBACK (error_cb), watch);
  g_signal_connect (camera, "notify::running", G_CALLBACK (running_cb), watch);
  return camera;
}

static void
watch_clear (Watch *watch)
{
  g_clear_object (&watch->last_preview);
  g_clear_error (&watch->last_error);
}

static gboolean
has_previews_cb (gpointer data)
{
  Watch *watch = data;

  return watch->n_previews >= 3;
}

static gboolean
has_error_cb (gpointer data)
{
  Watch *watch = data;

  return watch->n_errors > 0;
}

static gboolean
capture_done_cb (gpointer data)
{
  Capture *capture = data;

  return capture->done;
}

static void
captured_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Capture *capture = user_data;

  g_assert_false (capture->done);
  capture->still = mend_camera_capture_finish (MEND_CAMERA (object), result, &capture->error);
  g_assert_true ((capture->still != NULL) != (capture->error != NULL));
  capture->done = TRUE;
}

static void
capture_clear (Capture *capture)
{
  g_clear_object (&capture->still);
  g_clear_error (&capture->error);
  capture->done = FALSE;
}

static void
capture_and_wait (MendCamera *camera, Capture *capture)
{
  capture_clear (capture);
  mend_camera_capture_async (camera, NULL, captured_cb, capture);
  spin_until (capture_done_cb, capture);
}

static void
assert_rgb (GdkPixbuf *pixbuf)
{
  g_assert_cmpint (gdk_pixbuf_get_colorspace (pixbuf), ==, GDK_COLORSPACE_RGB);
  g_assert_cmpint (gdk_pixbuf_get_n_channels (pixbuf), ==, 3);
  g_assert_false (gdk_pixbuf_get_has_alpha (pixbuf));
  g_assert_cmpint (gdk_pixbuf_get_bits_per_sample (pixbuf), ==, 8);
}

/* SMPTE bars: the second of seven is yellow and the sixth red, at 75 %. Checking both catches
 * swapped channels and a wrong row stride alike. */
static void
assert_smpte (GdkPixbuf *pixbuf)
{
  int width = gdk_pixbuf_get_width (pixbuf);
  int height = gdk_pixbuf_get_height (pixbuf);
  int rowstride = gdk_pixbuf_get_rowstride (pixbuf);
  const guint8 *pixels = gdk_pixbuf_read_pixels (pixbuf);
  const guint8 *yellow = pixels + (height / 4) * rowstride + (int)(width * 1.5 / 7) * 3;
  const guint8 *red = pixels + (height / 3) * rowstride + (int)(width * 5.5 / 7) * 3;

  g_assert_cmpint (yellow[0], >, 150);
  g_assert_cmpint (yellow[1], >, 150);
  g_assert_cmpint (yellow[2], <, 60);
  g_assert_cmpint (red[0], >, 150);
  g_assert_cmpint (red[1], <, 60);
  g_assert_cmpint (red[2], <, 60);
}

static void
test_default_source (void)
{
  g_autoptr (MendCamera) camera = mend_camera_new (NULL);
  g_autoptr (MendCamera) empty = mend_camera_new ("");
  g_autoptr (MendCamera) test = mend_camera_new (LIVE_SOURCE);

  g_assert_cmpstr (mend_camera_get_source (camera), ==, MEND_CAMERA_DEFAULT_SOURCE);
  g_assert_cmpstr (mend_camera_get_source (empty), ==, MEND_CAMERA_DEFAULT_SOURCE);
  g_assert_cmpstr (mend_camera_get_source (test), ==, LIVE_SOURCE);
  g_assert_false (mend_camera_is_running (camera));
  g_assert_null (mend_camera_get_preview (camera));

  g_assert_finalize_object (g_steal_pointer (&camera));
  g_assert_finalize_object (g_steal_pointer (&empty));
  g_assert_finalize_object (g_steal_pointer (&test));
}

static void
test_preview (void)
{
  Watch watch = { 0 };
  g_autoptr (MendCamera) camera = watched_camera_new (HD_SOURCE, &watch);
  g_autoptr (GError) error = NULL;
  GdkPixbuf *preview;

  mend_camera_start (camera, &error);
  g_assert_no_error (error);
  g_assert_true (mend_camera_is_running (camera));
  g_assert_cmpuint (watch.n_running_notifies, ==, 1);
  /* Starting again does nothing. */
  g_assert_true (mend_camera_start (camera, &error));
  g_assert_cmpuint (watch.n_running_notifies, ==, 1);

  spin_until (has_previews_cb, &watch);
  preview = mend_camera_get_preview (camera);
  g_assert_nonnull (preview);
  assert_rgb (preview);
  /* 1280×720 fits into 320×320 as 320×180: the shape is kept. */
  g_assert_cmpint (gdk_pixbuf_get_width (preview), ==, MEND_CAMERA_PREVIEW_SIZE);
  g_assert_cmpint (gdk_pixbuf_get_height (preview), ==, 180);
  assert_smpte (preview);
  g_assert_cmpuint (watch.n_errors, ==, 0);

  mend_camera_stop (camera);
  g_assert_false (mend_camera_is_running (camera));
  g_assert_null (mend_camera_get_preview (camera));
  g_assert_cmpuint (watch.n_running_notifies, ==, 2);
  mend_camera_stop (camera);
  g_assert_cmpuint (watch.n_running_notifies, ==, 2);

  drain ();
  g_assert_finalize_object (g_steal_pointer (&camera));
  watch_clear (&watch);
}

/* A small source is not scaled up, and a portrait one stays portrait. */
static void
test_preview_shapes (void)
{
  struct
  {
    const char *caps;
    int width, height;
  } cases[] = {
    { "video/x-raw,width=160,height=120", 160, 120 },
    { "video/x-raw,width=480,height=640", 240, 320 },
    { "video/x-raw,width=4000,height=3000", 320, 240 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *source = g_strdup_printf ("%s ! %s", LIVE_SOURCE, cases[i].caps);
      Watch watch = { 0 };
      g_autoptr (MendCamera) camera = watched_camera_new (source, &watch);
      g_autoptr (GError) error = NULL;

      g_test_message ("%s", source);
      mend_camera_start (camera, &error);
      g_assert_no_error (error);
      spin_until (has_previews_cb, &watch);
      g_assert_cmpint (gdk_pixbuf_get_width (watch.last_preview), ==, cases[i].width);
      g_assert_cmpint (gdk_pixbuf_get_height (watch.last_preview), ==, cases[i].height);
      mend_camera_stop (camera);
      drain ();
      g_assert_finalize_object (g_steal_pointer (&camera));
      watch_clear (&watch);
    }
}

static void
test_capture (void)
{
  Watch watch = { 0 };
  g_autoptr (MendCamera) camera = watched_camera_new (HD_SOURCE, &watch);
  g_autoptr (GError) error = NULL;
  Capture capture = { 0 };

  mend_camera_start (camera, &error);
  g_assert_no_error (error);

  capture_and_wait (camera, &capture);
  g_assert_no_error (capture.error);
  assert_rgb (capture.still);
  g_assert_cmpint (gdk_pixbuf_get_width (capture.still), ==, 1280);
  g_assert_cmpint (gdk_pixbuf_get_height (capture.still), ==, 720);
  assert_smpte (capture.still);

  /* The still is the caller's own: it outlives the camera's pipeline. */
  mend_camera_stop (camera);
  g_assert_cmpint (G_OBJECT (capture.still)->ref_count, ==, 1);
  capture_clear (&capture);

  drain ();
  g_assert_finalize_object (g_steal_pointer (&camera));
  watch_clear (&watch);
}

static void
test_capture_in_a_row (void)
{
  Watch watch = { 0 };
  g_autoptr (MendCamera) camera = watched_camera_new (HD_SOURCE, &watch);
  g_autoptr (GError) error = NULL;
  Capture together[3] = { { 0 } };
  Capture capture = { 0 };
  gint64 started;

  mend_camera_start (camera, &error);
  g_assert_no_error (error);

  /* One after the other: every one gets its own frame, well under the timeout. */
  started = g_get_monotonic_time ();
  for (int i = 0; i < 5; i++)
    {
      capture_and_wait (camera, &capture);
      g_assert_no_error (capture.error);
      g_assert_cmpint (gdk_pixbuf_get_width (capture.still), ==, 1280);
    }
  g_test_message ("5 captures in %.0f ms", (g_get_monotonic_time () - started) / 1000.0);
  capture_clear (&capture);

  /* Asked for together: all are answered. */
  for (guint i = 0; i < G_N_ELEMENTS (together); i++)
    mend_camera_capture_async (camera, NULL, captured_cb, &together[i]);
  for (guint i = 0; i < G_N_ELEMENTS (together); i++)
    {
      spin_until (capture_done_cb, &together[i]);
      g_assert_no_error (together[i].error);
      g_assert_cmpint (gdk_pixbuf_get_height (together[i].still), ==, 720);
      capture_clear (&together[i]);
    }

  /* The preview kept coming meanwhile. */
  watch.n_previews = 0;
  spin_until (has_previews_cb, &watch);

  mend_camera_stop (camera);
  drain ();
  g_assert_finalize_object (g_steal_pointer (&camera));
  watch_clear (&watch);
}

static void
test_restart (void)
{
  Watch watch = { 0 };
  g_autoptr (MendCamera) camera = watched_camera_new (HD_SOURCE, &watch);
  Capture capture = { 0 };

  for (int round = 0; round < 3; round++)
    {
      g_autoptr (GError) error = NULL;

      mend_camera_start (camera, &error);
      g_assert_no_error (error);
      watch.n_previews = 0;
      spin_until (has_previews_cb, &watch);
      capture_and_wait (camera, &capture);
      g_assert_no_error (capture.error);
      g_assert_cmpint (gdk_pixbuf_get_width (capture.still), ==, 1280);
      mend_camera_stop (camera);
      g_assert_false (mend_camera_is_running (camera));
      g_assert_null (mend_camera_get_preview (camera));
    }
  g_assert_cmpuint (watch.n_running_notifies, ==, 6);
  g_assert_cmpuint (watch.n_errors, ==, 0);
  capture_clear (&capture);

  drain ();
  g_assert_finalize_object (g_steal_pointer (&camera));
  watch_clear (&watch);
}

/* A source that is not live (a file, a test pattern without is-live) has nothing to preroll
 * into the sinks, which must not hold the start up. */
static void
test_not_live (void)
{
  Watch watch = { 0 };
  g_autoptr (MendCamera) camera = watched_camera_new (
      "videotestsrc pattern=smpte ! video/x-raw,width=640,height=480", &watch);
  g_autoptr (GError) error = NULL;
  Capture capture = { 0 };

  mend_camera_start (camera, &error);
  g_assert_no_error (error);
  spin_until (has_previews_cb, &watch);
  g_assert_cmpint (gdk_pixbuf_get_width (watch.last_preview), ==, 320);
  capture_and_wait (camera, &capture);
  g_assert_no_error (capture.error);
  g_assert_cmpint (gdk_pixbuf_get_width (capture.still), ==, 640);
  assert_smpte (capture.still);
  capture_clear (&capture);

  mend_camera_stop (camera);
  drain ();
  g_assert_finalize_object (g_steal_pointer (&camera));
  watch_clear (&watch);
}

/* Letting go of a running camera stops it: dispose takes the pipeline down. */
static void
test_unref_running (void)
{
  Watch watch = { 0 };
  g_autoptr (MendCamera) camera = watched_camera_new (HD_SOURCE, &watch);
  g_autoptr (GError) error = NULL;

  mend_camera_start (camera, &error);
  g_assert_no_error (error);
  spin_until (has_previews_cb, &watch);
  g_assert_finalize_object (g_steal_pointer (&camera));
  watch_clear (&watch);
}

static void
assert_start_fails (const char *source, const char *expected_in_message)
{
  Watch watch = { 0 };
  g_autoptr (MendCamera) camera = watched_camera_new (source, &watch);
  g_autoptr (GError) error = NULL;

  g_assert_false (mend_camera_start (camera, &error));
  g_assert_error (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_CAMERA);
  g_test_message ("%s: %s", source, error->message);
  g_assert_nonnull (strstr (error->message, expected_in_message));
  g_assert_false (mend_camera_is_running (camera));
  g_assert_null (mend_camera_get_preview (camera));
  g_assert_cmpuint (watch.n_running_notifies, ==, 0);
  g_clear_error (&error);

  /* And again: a failed start leaves nothing behind that a second one trips over. */
  g_assert_false (mend_camera_start (camera, &error));
  g_assert_error (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_CAMERA);

  drain ();
  g_assert_cmpuint (watch.n_errors, ==, 0);
  g_assert_finalize_object (g_steal_pointer (&camera));
  watch_clear (&watch);
}

static void
test_missing_device (void)
{
  assert_start_fails ("v4l2src device=/dev/video99", "/dev/video99");
}

static void
test_no_such_element (void)
{
  assert_start_fails ("nosuchsrc", "nosuchsrc");
}

static void
test_not_a_source (void)
{
  assert_start_fails ("fakesink", "could not link");
  assert_start_fails ("videotestsrc !", "Camera “videotestsrc !”");
}

static void
test_capture_stopped (void)
{
  g_autoptr (MendCamera) camera = mend_camera_new (HD_SOURCE);
  g_autoptr (GError) error = NULL;
  Capture capture = { 0 };

  /* Never started. */
  capture_and_wait (camera, &capture);
  g_assert_error (capture.error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_CAMERA);
  g_assert_null (capture.still);

  /* Started and stopped. */
  mend_camera_start (camera, &error);
  g_assert_no_error (error);
  mend_camera_stop (camera);
  capture_and_wait (camera, &capture);
  g_assert_error (capture.error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_CAMERA);

  /* Stopped while waiting: the frame cannot have come, since no main loop ran in between. */
  mend_camera_start (camera, &error);
  g_assert_no_error (error);
  capture_clear (&capture);
  mend_camera_capture_async (camera, NULL, captured_cb, &capture);
  mend_camera_stop (camera);
  spin_until (capture_done_cb, &capture);
  g_assert_error (capture.error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_CAMERA);
  capture_clear (&capture);

  drain ();
  g_assert_finalize_object (g_steal_pointer (&camera));
}

static void
test_capture_cancelled (void)
{
  g_autoptr (MendCamera) camera = mend_camera_new (HD_SOURCE);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  Capture capture = { 0 };

  mend_camera_start (camera, &error);
  g_assert_no_error (error);
  mend_camera_capture_async (camera, cancellable, captured_cb, &capture);
  g_cancellable_cancel (cancellable);
  spin_until (capture_done_cb, &capture);
  g_assert_error (capture.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  capture_clear (&capture);

  /* The camera still works afterwards. */
  capture_and_wait (camera, &capture);
  g_assert_no_error (capture.error);
  capture_clear (&capture);

  mend_camera_stop (camera);
  drain ();
  g_assert_finalize_object (g_steal_pointer (&camera));
}

/* A source that plays but never sends a frame: the capture gives up after the timeout. */
static void
test_capture_timeout (void)
{
  g_autoptr (MendCamera) camera
      = mend_camera_new ("appsrc is-live=true format=time "
                         "caps=video/x-raw,format=RGB,width=64,height=48,framerate=30/1");
  g_autoptr (GError) error = NULL;
  Capture capture = { 0 };
  gint64 started;

  mend_camera_start (camera, &error);
  g_assert_no_error (error);
  started = g_get_monotonic_time ();
  capture_and_wait (camera, &capture);
  g_assert_error (capture.error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_CAMERA);
  g_test_message ("%s", capture.error->message);
  g_assert_cmpint (g_get_monotonic_time () - started, >=,
                   (MEND_CAMERA_TIMEOUT_S - 1) * G_USEC_PER_SEC);
  g_assert_true (mend_camera_is_running (camera));
  capture_clear (&capture);

  mend_camera_stop (camera);
  drain ();
  g_assert_finalize_object (g_steal_pointer (&camera));
}

/* A camera that goes away while running says so through "error", already stopped; it can be
 * started again. Here one stream ends, and in the other an element fails after ten frames. */
static void
test_fails_while_running (void)
{
  const char *sources[] = {
    LIVE_SOURCE " num-buffers=15",
    LIVE_SOURCE " ! identity error-after=10",
  };

  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    {
      Watch watch = { 0 };
      g_autoptr (MendCamera) camera = watched_camera_new (sources[i], &watch);

      for (int round = 0; round < 2; round++)
        {
          g_autoptr (GError) error = NULL;

          mend_camera_start (camera, &error);
          g_assert_no_error (error);
          watch.n_errors = 0;
          spin_until (has_error_cb, &watch);
          g_assert_error (watch.last_error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_CAMERA);
          g_test_message ("%s", watch.last_error->message);
          g_assert_false (mend_camera_is_running (camera));
          g_assert_null (mend_camera_get_preview (camera));
        }
      g_assert_cmpuint (watch.n_previews, >, 0);

      drain ();
      g_assert_finalize_object (g_steal_pointer (&camera));
      watch_clear (&watch);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/camera/default-source", test_default_source);
  g_test_add_func ("/camera/preview", test_preview);
  g_test_add_func ("/camera/preview-shapes", test_preview_shapes);
  g_test_add_func ("/camera/capture", test_capture);
  g_test_add_func ("/camera/capture-in-a-row", test_capture_in_a_row);
  g_test_add_func ("/camera/restart", test_restart);
  g_test_add_func ("/camera/not-live", test_not_live);
  g_test_add_func ("/camera/unref-running", test_unref_running);
  g_test_add_func ("/camera/missing-device", test_missing_device);
  g_test_add_func ("/camera/no-such-element", test_no_such_element);
  g_test_add_func ("/camera/not-a-source", test_not_a_source);
  g_test_add_func ("/camera/capture-stopped", test_capture_stopped);
  g_test_add_func ("/camera/capture-cancelled", test_capture_cancelled);
  g_test_add_func ("/camera/capture-timeout", test_capture_timeout);
  g_test_add_func ("/camera/fails-while-running", test_fails_while_running);

  return g_test_run ();
}
