import sys

from restag.cli import main

sys.exit(main())
