#!/usr/bin/env python
"""Django's command-line utility for Civic; configuration errors end in one clear line, not a traceback."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civic.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:
        sys.stderr.write(f"Civic is not configured correctly: {error}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
