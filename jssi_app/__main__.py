"""`python -m jssi_app <command>`: operator commands, see jssi_app/cli.py."""

import sys

from jssi_app.cli import main

sys.exit(main())
