/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Importing a 12-megapixel JPEG: wall time, CPU time and peak RSS of mend_photo_process_file()
 * (decode, turn upright, scale to a 2048 long edge, encode, EXIF), against plain tools doing
 * the decode and encode on the same file in the same run: `djpeg -scale 1/2 | cjpeg`, `djpeg`
 * alone, and a GStreamer jpegdec ! videoscale ! jpegenc pipeline. A tablet with little memory
 * imports photos while the app runs, so the targets are a peak RSS under 64 MiB and a time of
 * at most 1.5× the plain decode and encode.
 *
 * Every operation runs in a process of its own (this binary again, with a flag, or the tool),
 * reaped with wait4(), so its peak RSS is its own and not the largest of the run. Each figure
 * therefore includes starting a process; the "process start" row says how much that is. */
#define G_LOG_DOMAIN "mend-bench"

#include "config.h"

#include <errno.h>
#include <gexiv2/gexiv2.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "mend-bench-util.h"
#include "mend-photo-processor.h"

#define DEFAULT_RUNS      5
#define INPUT_WIDTH       4000
#define INPUT_HEIGHT      3000
#define INPUT_QUALITY     "92"
#define TARGET_RSS_MIB    64.0
#define TARGET_RATIO      1.5
#define CHILD_IMPORT      "--child-import"
#define CHILD_NOTHING     "--child-nothing"
#define GST_REGISTRY_NAME "bench-photo-gst-registry.bin"

typedef enum
{
  OP_IMPORT,
  OP_DJPEG_CJPEG,
  OP_DJPEG,
  OP_GSTREAMER,
  N_OPS,
} Op;

static const char *op_names[N_OPS] = {
  [OP_IMPORT] = "import (mend_photo_process_file)",
  [OP_DJPEG_CJPEG] = "djpeg -scale 1/2 | cjpeg -quality 85",
  [OP_DJPEG] = "djpeg -scale 1/2 (decode only)",
  [OP_GSTREAMER] = "gst-launch jpegdec ! videoscale ! jpegenc",
};

typedef struct
{
  GArray *wall_ms;
  GArray *cpu_ms;
  GArray *rss_kib; /* as doubles, for mend_bench_percentile() */
  gboolean failed;
  gboolean skipped;
} Figures;

typedef struct
{
  const char *label;
  char *path;
  char *output; /* where its import goes */
  Figures ops[N_OPS];
} Input;

typedef struct
{
  char *self;
  char *sh;
  char *djpeg;
  char *gst_launch;
  char **envp;
} Tools;

/* The child: one import, as the app does it, with a position to write into EXIF. */
static int
child_import (const char *input, const char *output)
{
  g_autoptr (GError) error = NULL;
  MendFix fix;
  MendPhotoMeta meta = {
    .taken_at_ms = g_get_real_time () / 1000,
    .fix = &fix,
    .role = "before",
    .session_id = "bench-photo",
  };

  mend_fix_init (&fix, MEND_FIX_STATE_FIX, NULL);
  fix.mode = 3;
  fix.latitude = 52.3702;
  fix.longitude = 4.8952;
  fix.altitude = 2.0;
  fix.horizontal_error = 4.5;
  if (!mend_photo_process_file (input, output, NULL, &meta, NULL, NULL, &error))
    {
      fprintf (stderr, "import of %s failed: %s\n", input, error->message);
      return 1;
    }
  return 0;
}

static guint32
next_random (guint32 *state)
{
  /* xorshift32: the same file on every machine, without GLib's generator changing under us. */
  *state ^= *state << 13;
  *state ^= *state >> 17;
  *state ^= *state << 5;
  return *state;
}

/* Something with the entropy of a photo rather than of a test card: soft gradients, a few
 * hard-edged shapes, and sensor-like noise. At quality 92 that comes to a few megabytes, as a
 * phone's 12-megapixel JPEG does; a flat pattern would decode unrealistically fast. */
static gboolean
write_photo_like_jpeg (const char *path, GError **error)
{
  g_autoptr (GdkPixbuf) pixbuf
      = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, INPUT_WIDTH, INPUT_HEIGHT);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int rowstride = gdk_pixbuf_get_rowstride (pixbuf);
  guint32 state = 0x2545f491;

  for (int y = 0; y < INPUT_HEIGHT; y++)
    for (int x = 0; x < INPUT_WIDTH; x++)
      {
        guint8 *p = pixels + (gsize)y * rowstride + (gsize)x * 3;
        double sky = (double)y / INPUT_HEIGHT;
        double r = 90 + 80 * sin (x / 410.0) * cos (y / 530.0) + 60 * sky;
        double g = 110 + 70 * sin ((x + y) / 350.0) - 30 * sky;
        double b = 140 + 90 * cos (x / 620.0 - y / 300.0) - 80 * sky;
        int noise;

        /* Bricks: a grid of blocks with mortar lines, in the lower half. */
        if (y > INPUT_HEIGHT / 2 && ((y / 40) % 2 == 0 ? x % 120 : (x + 60) % 120) < 6)
          r = g = b = 200;
        else if (y > INPUT_HEIGHT / 2 && y % 40 < 5)
          r = g = b = 190;
        /* A round shape, like a bin or a tree. */
        if (hypot (x - 2600.0, y - 1100.0) < 420.0)
          {
            r = 40 + (x % 97);
            g = 120 + (y % 53);
            b = 50;
          }
        noise = (int)(next_random (&state) % 25) - 12;
        p[0] = (guint8)CLAMP ((int)r + noise, 0, 255);
        p[1] = (guint8)CLAMP ((int)g + noise, 0, 255);
        p[2] = (guint8)CLAMP ((int)b + noise, 0, 255);
      }
  return gdk_pixbuf_save (pixbuf, path, "jpeg", error, "quality", INPUT_QUALITY, NULL);
}

/* A phone held upright stores the pixels sideways and says so in EXIF: the import has to turn
 * them. */
static gboolean
set_orientation (const char *path, GExiv2Orientation orientation, GError **error)
{
  g_autoptr (GExiv2Metadata) metadata = gexiv2_metadata_new ();

  if (!gexiv2_metadata_open_path (metadata, path, error))
    return FALSE;
  gexiv2_metadata_try_set_orientation (metadata, orientation, error);
  if (error != NULL && *error != NULL)
    return FALSE;
  return gexiv2_metadata_save_file (metadata, path, error);
}

static gboolean
run_command (const char *const *argv, GError **error)
{
  int status;

  if (!g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                     &status, error))
    return FALSE;
  return g_spawn_check_wait_status (status, error);
}

static gboolean
make_inputs (const char *dir, Input *inputs, guint *n_inputs, GError **error)
{
  g_autofree char *baseline = g_build_filename (dir, "bench-photo-12mp.jpg", NULL);
  g_autofree char *rotated = g_build_filename (dir, "bench-photo-12mp-rotated.jpg", NULL);
  g_autofree char *progressive = g_build_filename (dir, "bench-photo-12mp-progressive.jpg", NULL);
  g_autofree char *jpegtran = g_find_program_in_path ("jpegtran");
  g_autofree char *contents = NULL;
  gsize length;

  if (!g_file_test (baseline, G_FILE_TEST_EXISTS) && !write_photo_like_jpeg (baseline, error))
    return FALSE;
  *n_inputs = 0;
  inputs[(*n_inputs)++] = (Input){ .label = "baseline JPEG, upright", .path = g_strdup (baseline) };

  if (!g_file_get_contents (baseline, &contents, &length, error)
      || !g_file_set_contents (rotated, contents, length, error)
      || !set_orientation (rotated, GEXIV2_ORIENTATION_ROT_90, error))
    return FALSE;
  inputs[(*n_inputs)++]
      = (Input){ .label = "baseline JPEG, EXIF Orientation 6 (phone held upright)",
                 .path = g_strdup (rotated) };

  if (jpegtran != NULL)
    {
      const char *argv[]
          = { jpegtran, "-progressive", "-copy", "all", "-outfile", progressive, baseline, NULL };

      if (!run_command (argv, error))
        return FALSE;
      inputs[(*n_inputs)++]
          = (Input){ .label = "progressive JPEG, upright", .path = g_strdup (progressive) };
    }
  else
    printf ("jpegtran not found (package libjpeg-turbo-progs): no progressive input\n");
  return TRUE;
}

/* Runs @argv in a child and measures it. */
static gboolean
measure (const Tools *tools,
         const char *const *argv,
         double *wall_ms,
         double *cpu_ms,
         double *rss_kib)
{
  g_autoptr (GError) error = NULL;
  struct rusage usage;
  GPid pid;
  int status;
  double started = mend_bench_now_ms ();

  if (!g_spawn_async (NULL, (char **)argv, tools->envp,
                      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, &pid,
                      &error))
    {
      fprintf (stderr, "could not run %s: %s\n", argv[0], error->message);
      return FALSE;
    }
  while (wait4 (pid, &status, 0, &usage) < 0)
    if (errno != EINTR)
      {
        fprintf (stderr, "wait4: %s\n", g_strerror (errno));
        return FALSE;
      }
  *wall_ms = mend_bench_now_ms () - started;
  *cpu_ms = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000.0
            + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000.0;
  /* Linux reports kilobytes; for `sh -c "a | b"` it is the largest of sh, a and b. */
  *rss_kib = usage.ru_maxrss;
  if (!g_spawn_check_wait_status (status, &error))
    {
      fprintf (stderr, "%s failed: %s\n", argv[0], error->message);
      return FALSE;
    }
  return TRUE;
}

static void
run_op (const Tools *tools, const Input *input, Op op, Figures *figures, gboolean record)
{
  g_autofree char *location = g_strdup_printf ("location=%s", input->path);
  const char *import_argv[] = { tools->self, CHILD_IMPORT, input->path, input->output, NULL };
  const char *pipe_argv[]
      = { tools->sh, "-c",        "djpeg -scale 1/2 \"$1\" | cjpeg -quality 85 >/dev/null",
          "sh",      input->path, NULL };
  const char *djpeg_argv[]
      = { tools->djpeg, "-scale", "1/2", "-outfile", "/dev/null", input->path, NULL };
  /* The caps size the picture to the import's 2048 long edge; the input is 4:3. */
  const char *gst_argv[] = { tools->gst_launch,
                             "-q",
                             "filesrc",
                             location,
                             "!",
                             "jpegdec",
                             "!",
                             "videoscale",
                             "!",
                             "video/x-raw,width=2048,height=1536",
                             "!",
                             "jpegenc",
                             "quality=85",
                             "!",
                             "filesink",
                             "location=/dev/null",
                             NULL };
  const char *const *argv = NULL;
  double wall_ms, cpu_ms, rss_kib;

  switch (op)
    {
    case OP_IMPORT:
      argv = import_argv;
      break;
    case OP_DJPEG_CJPEG:
      argv = tools->djpeg != NULL ? pipe_argv : NULL;
      break;
    case OP_DJPEG:
      argv = tools->djpeg != NULL ? djpeg_argv : NULL;
      break;
    case OP_GSTREAMER:
      argv = tools->gst_launch != NULL ? gst_argv : NULL;
      break;
    case N_OPS:
    default:
      g_assert_not_reached ();
    }

  if (argv == NULL)
    {
      figures->skipped = TRUE;
      return;
    }
  if (figures->failed)
    return;
  if (!measure (tools, argv, &wall_ms, &cpu_ms, &rss_kib))
    {
      figures->failed = TRUE;
      return;
    }
  if (!record)
    return;
  g_array_append_val (figures->wall_ms, wall_ms);
  g_array_append_val (figures->cpu_ms, cpu_ms);
  g_array_append_val (figures->rss_kib, rss_kib);
}

static void
figures_init (Figures *figures)
{
  figures->wall_ms = g_array_new (FALSE, FALSE, sizeof (double));
  figures->cpu_ms = g_array_new (FALSE, FALSE, sizeof (double));
  figures->rss_kib = g_array_new (FALSE, FALSE, sizeof (double));
}

static void
figures_clear (Figures *figures)
{
  g_clear_pointer (&figures->wall_ms, g_array_unref);
  g_clear_pointer (&figures->cpu_ms, g_array_unref);
  g_clear_pointer (&figures->rss_kib, g_array_unref);
}

static gboolean
figures_ok (const Figures *figures)
{
  return !figures->failed && !figures->skipped && figures->wall_ms->len > 0;
}

static void
print_row (const char *name, Figures *figures)
{
  if (figures->skipped)
    printf ("  %-44s  (tool not installed)\n", name);
  else if (!figures_ok (figures))
    printf ("  %-44s  FAILED\n", name);
  else
    printf ("  %-44s %8.0f %8.0f %8.0f %9.1f\n", name, mend_bench_percentile (figures->wall_ms, 50),
            mend_bench_percentile (figures->wall_ms, 100),
            mend_bench_percentile (figures->cpu_ms, 50),
            mend_bench_percentile (figures->rss_kib, 50) / 1024.0);
}

static void
print_ratio (const char *against, Figures *import, Figures *baseline)
{
  double ratio;

  if (!figures_ok (import) || !figures_ok (baseline))
    return;
  ratio
      = mend_bench_percentile (import->wall_ms, 50) / mend_bench_percentile (baseline->wall_ms, 50);
  printf ("  time vs %-40s %5.2f×  (CPU %5.2f×; target ≤ %.1f×: %s)\n", against, ratio,
          mend_bench_percentile (import->cpu_ms, 50) / mend_bench_percentile (baseline->cpu_ms, 50),
          TARGET_RATIO, ratio <= TARGET_RATIO ? "met" : "MISSED");
}

static void
print_input (Input *input, Figures *nothing)
{
  GStatBuf st;
  double import_rss;
  int width, height;

  printf ("\n%s: %s (%.1f MB)\n", input->label, input->path,
          g_stat (input->path, &st) == 0 ? st.st_size / 1e6 : 0.0);
  printf ("  %-44s %8s %8s %8s %9s\n", "", "wall ms", "max ms", "CPU ms", "RSS MiB");
  for (Op op = 0; op < N_OPS; op++)
    print_row (op_names[op], &input->ops[op]);
  print_row ("process start (this binary, doing nothing)", nothing);
  if (gdk_pixbuf_get_file_info (input->output, &width, &height) != NULL)
    printf ("  the import wrote %d×%d (%.2f MB)\n", width, height,
            g_stat (input->output, &st) == 0 ? st.st_size / 1e6 : 0.0);

  if (!figures_ok (&input->ops[OP_IMPORT]))
    return;
  print_ratio ("djpeg | cjpeg", &input->ops[OP_IMPORT], &input->ops[OP_DJPEG_CJPEG]);
  print_ratio ("GStreamer decode + encode", &input->ops[OP_IMPORT], &input->ops[OP_GSTREAMER]);
  import_rss = mend_bench_percentile (input->ops[OP_IMPORT].rss_kib, 100) / 1024.0;
  printf ("  peak RSS of the import, worst of the runs:     %5.1f MiB (target < %.0f MiB: %s)\n",
          import_rss, TARGET_RSS_MIB, import_rss < TARGET_RSS_MIB ? "met" : "MISSED");
}

int
main (int argc, char *argv[])
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MendBenchFolder) folder = NULL;
  g_autofree char *registry = NULL;
  g_autofree char *cjpeg = NULL;
  int runs = DEFAULT_RUNS;
  Tools tools = { 0 };
  Input inputs[3] = { { 0 } };
  guint n_inputs = 0;
  Figures nothing = { 0 };
  const char *nothing_argv[] = { NULL, CHILD_NOTHING, NULL };
  gboolean all_ran = TRUE;
  GOptionEntry entries[] = {
    { "runs", 'n', 0, G_OPTION_ARG_INT, &runs, "Runs of each operation (default 5)", "N" },
    { NULL },
  };

  /* The children come first: they must not print or parse anything else. */
  if (argc == 4 && strcmp (argv[1], CHILD_IMPORT) == 0)
    return child_import (argv[2], argv[3]);
  if (argc == 2 && strcmp (argv[1], CHILD_NOTHING) == 0)
    return 0;

  context = g_option_context_new ("[FOLDER] — import a 12-megapixel JPEG");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || runs < 1)
    {
      fprintf (stderr, "%s\n", error != NULL ? error->message : "--runs must be at least 1");
      return 2;
    }
  folder = mend_bench_folder_choose (argc > 1 ? argv[1] : NULL, &error);
  if (folder == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  mend_bench_folder_print (folder);
  gexiv2_initialize ();

  tools.self = g_file_read_link ("/proc/self/exe", &error);
  if (tools.self == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  tools.sh = g_find_program_in_path ("sh");
  tools.djpeg = g_find_program_in_path ("djpeg");
  cjpeg = g_find_program_in_path ("cjpeg");
  if (cjpeg == NULL)
    g_clear_pointer (&tools.djpeg, g_free);
  tools.gst_launch = g_find_program_in_path ("gst-launch-1.0");
  /* GStreamer's registry in the bench folder: built by the warm-up run, not by a measured one,
   * and never the user's own. */
  registry = g_build_filename (folder->dir, GST_REGISTRY_NAME, NULL);
  tools.envp = g_environ_setenv (g_get_environ (), "GST_REGISTRY", registry, TRUE);
  nothing_argv[0] = tools.self;

  if (!make_inputs (folder->dir, inputs, &n_inputs, &error))
    {
      fprintf (stderr, "could not make the input files: %s\n", error->message);
      return 1;
    }
  for (guint i = 0; i < n_inputs; i++)
    {
      g_autofree char *name = g_strdup_printf ("bench-photo-import-%u.jpg", i + 1);

      inputs[i].output = g_build_filename (folder->dir, name, NULL);
    }
  printf ("runs:       %d of each, interleaved; medians unless said otherwise\n", runs);

  figures_init (&nothing);
  for (guint i = 0; i < n_inputs; i++)
    for (Op op = 0; op < N_OPS; op++)
      figures_init (&inputs[i].ops[op]);

  /* One unmeasured round first: it fills the page cache and GStreamer's registry. Then the
   * operations take turns, so a machine that slows down mid-run slows all of them alike. */
  for (int run = -1; run < runs; run++)
    {
      double wall_ms, cpu_ms, rss_kib;

      if (measure (&tools, nothing_argv, &wall_ms, &cpu_ms, &rss_kib) && run >= 0)
        {
          g_array_append_val (nothing.wall_ms, wall_ms);
          g_array_append_val (nothing.cpu_ms, cpu_ms);
          g_array_append_val (nothing.rss_kib, rss_kib);
        }
      for (guint i = 0; i < n_inputs; i++)
        for (Op op = 0; op < N_OPS; op++)
          run_op (&tools, &inputs[i], op, &inputs[i].ops[op], run >= 0);
    }

  for (guint i = 0; i < n_inputs; i++)
    {
      print_input (&inputs[i], &nothing);
      all_ran = all_ran && !inputs[i].ops[OP_IMPORT].failed;
    }

  figures_clear (&nothing);
  for (guint i = 0; i < n_inputs; i++)
    {
      for (Op op = 0; op < N_OPS; op++)
        figures_clear (&inputs[i].ops[op]);
      g_free (inputs[i].path);
      g_free (inputs[i].output);
    }
  g_free (tools.self);
  g_free (tools.sh);
  g_free (tools.djpeg);
  g_free (tools.gst_launch);
  g_strfreev (tools.envp);
  /* Slow is never a failure; an import that did not work is. */
  return all_ran ? 0 : 1;
}
