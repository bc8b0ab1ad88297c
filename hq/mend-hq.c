/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-private.h"

#include <locale.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* mend-hq: `serve` runs the HTTP API of sync/PROTOCOL.md; `admin` changes HQ's database. */

static int
usage (void)
{
  g_printerr ("usage: mend-hq admin (--database CONNINFO | --config FILE) COMMAND…\n"
              "       mend-hq serve [--config FILE] --database CONNINFO --listen ADDR:PORT\n"
              "                     [--blobs DIR] [--tls-cert FILE --tls-key FILE]\n"
              "                     [--metrics-allow ADDR[/BITS],…] [--threads N]\n"
              "                     [--timeout SECONDS] [--device-rate PER_MINUTE]\n"
              "                     [--device-burst N] [--enrol-rate PER_MINUTE]\n"
              "       mend-hq --version\n");
  return 2;
}

static int
serve (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  MendHqServeOptions options;
  int status;

  mend_hq_serve_options_init (&options);
  if (!mend_hq_serve_options_parse (&options, argc, argv, &error))
    {
      g_printerr ("mend-hq serve: %s\n", error->message);
      mend_hq_serve_options_clear (&options);
      return usage ();
    }
  status = mend_hq_serve_main (&options);
  mend_hq_serve_options_clear (&options);
  return status;
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *from_file = NULL;
  const char *conninfo = NULL;
  int i;

  /* Only the character type: g_print then converts UTF-8 for the terminal, while numbers in
   * logs, metrics and JSON keep the C locale's decimal point. */
  setlocale (LC_CTYPE, "");

  if (sodium_init () < 0)
    {
      g_printerr ("mend-hq: libsodium cannot start\n");
      return 1;
    }
  if (argc < 2)
    return usage ();
  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("mend-hq %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (strcmp (argv[1], "serve") == 0)
    return serve (argc - 2, argv + 2);
  if (strcmp (argv[1], "admin") != 0)
    return usage ();
  for (i = 2; i < argc; i++)
    {
      if (strcmp (argv[i], "--database") == 0 && i + 1 < argc)
        conninfo = argv[++i];
      else if (strcmp (argv[i], "--config") == 0 && i + 1 < argc)
        {
          from_file = mend_hq_config_database (argv[++i], &error);
          if (from_file == NULL)
            {
              g_printerr ("mend-hq admin: %s\n", error->message);
              return 2;
            }
        }
      else
        break;
    }
  /* As for serve, the command line wins over the file. */
  if (conninfo == NULL)
    conninfo = from_file;
  if (conninfo == NULL)
    return usage ();
  return mend_hq_admin_main (conninfo, argc - i, argv + i);
}
