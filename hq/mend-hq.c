/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-private.h"

#include <sodium.h>
#include <string.h>

/* mend-hq: `serve` runs the HTTP API of sync/PROTOCOL.md; `admin` changes HQ's database. */

static int
usage (void)
{
  g_printerr ("usage: mend-hq admin --database CONNINFO COMMAND…\n"
              "       mend-hq serve --database CONNINFO --listen ADDR:PORT\n");
  return 2;
}

int
main (int argc, char **argv)
{
  const char *conninfo = NULL;
  const char *listen = NULL;
  int i;

  if (sodium_init () < 0)
    {
      g_printerr ("mend-hq: libsodium cannot start\n");
      return 1;
    }
  if (argc < 2)
    return usage ();
  for (i = 2; i < argc; i++)
    {
      if (strcmp (argv[i], "--database") == 0 && i + 1 < argc)
        conninfo = argv[++i];
      else if (strcmp (argv[i], "--listen") == 0 && i + 1 < argc)
        listen = argv[++i];
      else
        break;
    }
  if (conninfo == NULL)
    return usage ();
  if (strcmp (argv[1], "admin") == 0 && listen == NULL)
    return mend_hq_admin_main (conninfo, argc - i, argv + i);
  if (strcmp (argv[1], "serve") == 0 && listen != NULL && i == argc)
    return mend_hq_serve_main (conninfo, listen);
  return usage ();
}
