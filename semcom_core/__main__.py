import sys

from semcom_core.cli import main

sys.exit(main())
